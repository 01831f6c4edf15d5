package io.inferwire.wire;

import io.inferwire.proto.v1.FrameKind;
import io.inferwire.proto.v1.StreamHeader;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * Writes one stream of frames to a channel: numbers them 0, 1, 2 ..., stamps the
 * stream id and shape, and closes the stream with an END frame. Every frame is written
 * to the channel as soon as it is encoded; nothing is held back.
 *
 * <p>Buffers come from the caller's arena (see {@link FrameEncoder}); the caller also
 * owns the channel, which must be blocking. If a write to the channel fails, the
 * frame may be half written and the writer refuses further frames. Not thread-safe.
 */
public final class FrameStreamWriter {

    private static final int[] NO_SHAPE = new int[0];

    private final WritableByteChannel channel;
    private final FrameEncoder encoder;
    private final long streamId;
    private long seq;
    private long bytesWritten;
    private boolean ended;
    private boolean failed;

    /** A writer of stream {@code streamId} whose frame payloads are at most {@code maxPayloadBytes}. */
    public FrameStreamWriter(
            WritableByteChannel channel,
            Arena arena,
            long streamId,
            int maxPayloadBytes,
            FrameEncoder.Compression compression) {
        this.channel = channel;
        this.encoder = new FrameEncoder(arena, maxPayloadBytes, compression, true);
        this.streamId = streamId;
    }

    /** Writes a HEADER frame carrying {@code header} (normally the first frame). */
    public void writeHeader(StreamHeader header) throws IOException {
        byte[] bytes = header.toByteArray();
        write(FrameKind.FRAME_KIND_HEADER, 0, NO_SHAPE, MemorySegment.ofArray(bytes), 0, bytes.length);
    }

    /**
     * Writes one frame with the next sequence number.
     *
     * @return the sequence number it was given
     */
    public long write(FrameKind kind, double errorBound, int[] shape, MemorySegment payload, long offset, int length)
            throws IOException {
        if (ended) {
            throw new IllegalStateException("stream " + Long.toUnsignedString(streamId) + " already ended");
        }
        if (failed) {
            throw new IllegalStateException("an earlier write to the channel failed mid-frame; the stream is unusable");
        }
        encoder.encode(streamId, seq, kind, errorBound, shape, payload, offset, length);
        ByteBuffer b = encoder.frameBuffer();
        failed = true;
        while (b.hasRemaining()) {
            channel.write(b);
        }
        failed = false;
        bytesWritten += encoder.frameLength();
        if (kind == FrameKind.FRAME_KIND_END) {
            ended = true;
        }
        return seq++;
    }

    /** Writes the END frame; the stream takes no more frames. */
    public void end() throws IOException {
        write(FrameKind.FRAME_KIND_END, 0, NO_SHAPE, MemorySegment.NULL, 0, 0);
    }

    /** The sequence number the next frame will get. */
    public long nextSeq() {
        return seq;
    }

    /** Bytes written to the channel so far. */
    public long bytesWritten() {
        return bytesWritten;
    }

    /** The encoder, to see how the last frame was stored. */
    public FrameEncoder encoder() {
        return encoder;
    }
}
