package io.inferwire.wire;

import com.google.protobuf.CodedOutputStream;
import io.inferwire.lz4.Lz4Block;
import io.inferwire.lz4.XxHash32;
import io.inferwire.memory.internal.Checks;
import io.inferwire.proto.v1.Encoding;
import io.inferwire.proto.v1.FrameKind;
import io.inferwire.wire.internal.ProtoWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Encodes one {@code inferwire.v1.Frame} at a time, varint-length-delimited, into an
 * off-heap buffer allocated once from the caller's {@link Arena}.
 *
 * <p>The payload is LZ4-compressed by lz4-java's JNI compressor straight from the
 * caller's segment into the buffer (or copied there raw when LZ4 does not make it
 * smaller), then the header is written into the bytes just before it, so the frame is
 * contiguous and nothing passes through the Java heap. Field sizes come from
 * protobuf's {@link CodedOutputStream}; the bytes are written by hand because
 * {@code CodedOutputStream.newInstance(ByteBuffer)} allocates about 96 bytes per frame
 * (measured with JMH {@code -prof gc}). The result is byte-for-byte what protobuf-java
 * serializes for the same message (tested): {@code Frame.parseDelimitedFrom} and
 * {@code protoc --decode} read it, and fields at their default value are omitted.
 *
 * <p>The encoded frame stays in the buffer until the next {@code encode}. The arena
 * owns the buffer: close it only when the encoder is no longer used. Not thread-safe:
 * one encoder per stream (or per thread).
 */
public final class FrameEncoder {

    /** Upper bound of a frame's length prefix plus every header field. */
    public static final int MAX_HEADER_BYTES = 128;

    /** Payloads shorter than this are stored raw without trying LZ4. */
    public static final int MIN_COMPRESS_BYTES = 32;

    /** Whether payloads are LZ4-compressed. */
    public enum Compression {
        /** Store payloads as they are. */
        NONE,
        /** LZ4 block per payload, stored raw when that is not smaller. */
        LZ4
    }

    private final int maxPayloadBytes;
    private final Compression compression;
    private final boolean checksums;
    private final MemorySegment buffer;
    private final ByteBuffer bufferView;
    private final Lz4Block lz4;

    private long frameOffset;
    private int frameLength;
    private Encoding lastEncoding = Encoding.ENCODING_RAW;
    private int lastStored;
    private boolean tryCompression = true;

    /**
     * Creates an encoder for payloads of at most {@code maxPayloadBytes}, allocating its
     * buffer from {@code arena}.
     *
     * @param checksums store an xxHash32 of every payload so readers can verify it
     */
    public FrameEncoder(Arena arena, int maxPayloadBytes, Compression compression, boolean checksums) {
        if (maxPayloadBytes < 0 || maxPayloadBytes > (1 << 30)) {
            throw new IllegalArgumentException("maxPayloadBytes must be 0 to 1 GiB, was " + maxPayloadBytes);
        }
        this.maxPayloadBytes = maxPayloadBytes;
        this.compression = compression;
        this.checksums = checksums;
        this.buffer = arena.allocate(MAX_HEADER_BYTES + (long) Lz4Block.maxCompressedLength(maxPayloadBytes), 64);
        this.bufferView = buffer.asByteBuffer();
        this.lz4 = compression == Compression.LZ4 ? new Lz4Block() : null;
    }

    /**
     * Encodes one frame whose payload is {@code [offset, offset + length)} of
     * {@code payload}; afterwards {@link #frameOffset()} and {@link #frameLength()}
     * locate the delimited frame in {@link #buffer()}.
     *
     * @param shape the tensor shape, or an empty array; every dimension must be
     *     non-negative and there are at most {@link FrameView#MAX_RANK}
     * @return the length of the delimited frame in bytes
     */
    public int encode(
            long streamId,
            long seq,
            FrameKind kind,
            double errorBound,
            int[] shape,
            MemorySegment payload,
            long offset,
            int length) {
        return encode(streamId, seq, kind, errorBound, shape, 0, payload, offset, length);
    }

    /**
     * Encodes one tensor frame: as {@link #encode(long, long, FrameKind, double, int[],
     * MemorySegment, long, int)}, with the frame's {@code transform} (its wire number,
     * 0 for none).
     *
     * @return the length of the delimited frame in bytes
     */
    public int encode(
            long streamId,
            long seq,
            FrameKind kind,
            double errorBound,
            int[] shape,
            int transform,
            MemorySegment payload,
            long offset,
            int length) {
        if (transform < 0) {
            throw new IllegalArgumentException("negative transform " + transform);
        }
        if (kind == null || kind == FrameKind.FRAME_KIND_UNSPECIFIED || kind == FrameKind.UNRECOGNIZED) {
            throw new IllegalArgumentException("frame kind must be a defined kind, was " + kind);
        }
        if (shape.length > FrameView.MAX_RANK) {
            throw new IllegalArgumentException("shape rank " + shape.length + " exceeds " + FrameView.MAX_RANK);
        }
        if (length > maxPayloadBytes) {
            throw new IllegalArgumentException(
                    "payload of " + length + " bytes exceeds this encoder's " + maxPayloadBytes);
        }
        if (!(errorBound >= 0) || Double.isInfinite(errorBound)) {
            throw new IllegalArgumentException("error bound must be finite and >= 0, was " + errorBound);
        }
        Checks.checkRange(payload, offset, length);
        int packed = 0;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension " + d);
            }
            packed += CodedOutputStream.computeUInt32SizeNoTag(d);
        }
        // Every argument is checked above: the buffer (and the last frame in it) is only
        // overwritten by an encode that succeeds.

        long at = MAX_HEADER_BYTES;
        int stored = length;
        Encoding encoding = Encoding.ENCODING_RAW;
        if (lz4 != null && tryCompression && length >= MIN_COMPRESS_BYTES) {
            int c = lz4.compress(payload, offset, length, buffer, at);
            if (c < length) {
                stored = c;
                encoding = Encoding.ENCODING_LZ4_BLOCK;
            }
        }
        if (encoding == Encoding.ENCODING_RAW && length > 0) {
            MemorySegment.copy(payload, offset, buffer, at, length);
        }
        int checksum = checksums
                ? XxHash32.hash(
                        payload,
                        offset,
                        length,
                        FrameChecksum.seed(streamId, seq, kind.getNumber(), errorBound, shape, transform))
                : 0;

        int fields = (streamId != 0 ? CodedOutputStream.computeUInt64Size(FrameView.STREAM_ID, streamId) : 0)
                + (seq != 0 ? CodedOutputStream.computeUInt64Size(FrameView.SEQ, seq) : 0)
                + CodedOutputStream.computeEnumSize(FrameView.KIND, kind.getNumber())
                + (encoding.getNumber() != 0
                        ? CodedOutputStream.computeEnumSize(FrameView.ENCODING, encoding.getNumber())
                        : 0)
                + (Double.doubleToRawLongBits(errorBound) != 0
                        ? CodedOutputStream.computeDoubleSize(FrameView.ERROR_BOUND, errorBound)
                        : 0)
                + (packed > 0
                        ? CodedOutputStream.computeTagSize(FrameView.SHAPE)
                                + CodedOutputStream.computeUInt32SizeNoTag(packed)
                                + packed
                        : 0)
                + (encoding != Encoding.ENCODING_RAW
                        ? CodedOutputStream.computeUInt64Size(FrameView.RAW_SIZE, length)
                        : 0)
                + (checksums ? CodedOutputStream.computeFixed32Size(FrameView.CHECKSUM, checksum) : 0)
                + (transform != 0 ? CodedOutputStream.computeEnumSize(FrameView.TRANSFORM, transform) : 0)
                + (stored != 0
                        ? CodedOutputStream.computeTagSize(FrameView.PAYLOAD)
                                + CodedOutputStream.computeUInt32SizeNoTag(stored)
                        : 0);
        int message = fields + stored;
        int header = CodedOutputStream.computeUInt32SizeNoTag(message) + fields;
        int start = MAX_HEADER_BYTES - header;

        MemorySegment b = buffer;
        long p = ProtoWriter.varint(b, start, message);
        if (streamId != 0) {
            p = ProtoWriter.varint(b, ProtoWriter.tag(b, p, FrameView.STREAM_ID, ProtoWriter.VARINT), streamId);
        }
        if (seq != 0) {
            p = ProtoWriter.varint(b, ProtoWriter.tag(b, p, FrameView.SEQ, ProtoWriter.VARINT), seq);
        }
        p = ProtoWriter.varint(b, ProtoWriter.tag(b, p, FrameView.KIND, ProtoWriter.VARINT), kind.getNumber());
        if (encoding.getNumber() != 0) {
            p = ProtoWriter.varint(
                    b, ProtoWriter.tag(b, p, FrameView.ENCODING, ProtoWriter.VARINT), encoding.getNumber());
        }
        if (Double.doubleToRawLongBits(errorBound) != 0) {
            p = ProtoWriter.fixed64(
                    b,
                    ProtoWriter.tag(b, p, FrameView.ERROR_BOUND, ProtoWriter.I64),
                    Double.doubleToRawLongBits(errorBound));
        }
        if (packed > 0) {
            p = ProtoWriter.varint(b, ProtoWriter.tag(b, p, FrameView.SHAPE, ProtoWriter.LEN), packed);
            for (int d : shape) {
                p = ProtoWriter.varint(b, p, d);
            }
        }
        if (encoding != Encoding.ENCODING_RAW) {
            p = ProtoWriter.varint(b, ProtoWriter.tag(b, p, FrameView.RAW_SIZE, ProtoWriter.VARINT), length);
        }
        if (checksums) {
            p = ProtoWriter.fixed32(b, ProtoWriter.tag(b, p, FrameView.CHECKSUM, ProtoWriter.I32), checksum);
        }
        if (transform != 0) {
            p = ProtoWriter.varint(b, ProtoWriter.tag(b, p, FrameView.TRANSFORM, ProtoWriter.VARINT), transform);
        }
        if (stored != 0) {
            p = ProtoWriter.varint(b, ProtoWriter.tag(b, p, FrameView.PAYLOAD, ProtoWriter.LEN), stored);
        }
        if (p != MAX_HEADER_BYTES) {
            throw new IllegalStateException(
                    "frame header size mismatch: wrote " + (p - start) + ", computed " + header);
        }
        frameOffset = start;
        frameLength = header + stored;
        lastEncoding = encoding;
        lastStored = stored;
        return frameLength;
    }

    /**
     * Whether the next frames try LZ4 (when this encoder compresses at all); a caller
     * that knows its payloads will not shrink can skip the attempt. On by default.
     */
    public void tryCompression(boolean on) {
        this.tryCompression = on;
    }

    /** The buffer holding the last encoded frame; owned by the arena given at construction. */
    public MemorySegment buffer() {
        return buffer;
    }

    /** Offset of the last encoded frame (its length prefix) in {@link #buffer()}. */
    public long frameOffset() {
        return frameOffset;
    }

    /** Length of the last encoded frame, length prefix included. */
    public int frameLength() {
        return frameLength;
    }

    /** The last encoded frame as a slice of {@link #buffer()} (allocates the slice object). */
    public MemorySegment frame() {
        return buffer.asSlice(frameOffset, frameLength);
    }

    /**
     * A ByteBuffer over the last encoded frame, position at its start and limit at its
     * end, for channel writes; the same object every call, so it allocates nothing.
     */
    public ByteBuffer frameBuffer() {
        return bufferView.clear().position((int) frameOffset).limit((int) frameOffset + frameLength);
    }

    /** The length of the last frame's payload as stored (compressed or raw). */
    public int lastStoredBytes() {
        return lastStored;
    }

    /** How the last frame's payload was stored. */
    public Encoding lastEncoding() {
        return lastEncoding;
    }

    /** The largest payload this encoder takes. */
    public int maxPayloadBytes() {
        return maxPayloadBytes;
    }
}
