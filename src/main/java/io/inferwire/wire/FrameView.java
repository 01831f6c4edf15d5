package io.inferwire.wire;

import static io.inferwire.memory.Layouts.INT_LE;
import static io.inferwire.memory.Layouts.LONG_LE;

import io.inferwire.CorruptFrameException;
import io.inferwire.LimitExceededException;
import io.inferwire.proto.v1.Encoding;
import io.inferwire.proto.v1.FrameKind;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A flyweight over one serialized {@code inferwire.v1.Frame} message in a segment:
 * {@link #wrap} parses the header fields by hand and remembers where the payload lies,
 * without copying it and without allocating (protobuf-java's own parser copies
 * {@code bytes} fields out of direct buffers).
 *
 * <p>It accepts every valid encoding of the message, as protobuf-java's generated
 * parser does: fields in any order, repeated singular fields (last one wins), the
 * shape packed or unpacked or split over several runs, unknown fields and groups
 * skipped, known field numbers with another wire type treated as unknown. Malformed
 * input (truncated varints, lengths past the end, field number 0, wire types 6-7,
 * unbalanced groups) throws {@link CorruptFrameException}. One deliberate difference:
 * protobuf-java stops parsing at a 0 tag and silently ignores the bytes after it;
 * this parser rejects it. It checks only the
 * encoding; whether the values make sense (known kind, sizes) is for the
 * {@link FrameStreamReader}.
 *
 * <p>The view reads the caller's segment, which must stay valid and unchanged while
 * the view is used. One instance is reused for many frames; it is not thread-safe.
 */
public final class FrameView {

    /** The most dimensions a shape may have. */
    public static final int MAX_RANK = 8;

    static final int STREAM_ID = 1;
    static final int SEQ = 2;
    static final int KIND = 3;
    static final int ENCODING = 4;
    static final int ERROR_BOUND = 5;
    static final int SHAPE = 6;
    static final int RAW_SIZE = 7;
    static final int COMPRESSED_SIZE = 8;
    static final int CHECKSUM = 9;
    static final int TRANSFORM = 10;
    static final int STEP_BITS = 12;
    static final int STEP = 13;
    static final int CHAIN = 14;
    static final int PAYLOAD = 15;

    static final int WT_VARINT = 0;
    static final int WT_I64 = 1;
    static final int WT_LEN = 2;
    static final int WT_SGROUP = 3;
    static final int WT_EGROUP = 4;
    static final int WT_I32 = 5;

    private static final int MAX_GROUP_DEPTH = 100;

    private MemorySegment segment;
    private long offset;
    private long length;

    private long streamId;
    private long seq;
    private int kind;
    private int encoding;
    private double errorBound;
    private final long[] shape = new long[MAX_RANK];
    private int rank;
    private long rawSize;
    private long compressedSize;
    private boolean hasChecksum;
    private int checksum;
    private int transform;
    private long payloadOffset;
    private long payloadLength;
    private boolean hasStepBits;
    private long stepBits;
    private boolean hasStep;
    private long stepOffset;
    private long stepLength;
    private boolean hasChain;
    private int chain;
    private int fields;

    // parse cursor
    private long pos;
    private long limit;

    /** An unwrapped view; call {@link #wrap} before reading fields. */
    public FrameView() {}

    /**
     * Parses the message occupying {@code [offset, offset + length)} of {@code segment}
     * (no length prefix) and points this view at it.
     *
     * @return this view
     * @throws CorruptFrameException if the bytes are not a valid Frame encoding
     * @throws LimitExceededException if the shape has more than {@link #MAX_RANK} dimensions
     */
    public FrameView wrap(MemorySegment segment, long offset, long length)
            throws CorruptFrameException, LimitExceededException {
        if (offset < 0 || length < 0 || offset > segment.byteSize() - length) {
            throw new IndexOutOfBoundsException("frame range outside the segment");
        }
        this.segment = segment;
        this.offset = offset;
        this.length = length;
        streamId = 0;
        seq = 0;
        kind = 0;
        encoding = 0;
        errorBound = 0;
        rank = 0;
        rawSize = 0;
        compressedSize = 0;
        hasChecksum = false;
        checksum = 0;
        transform = 0;
        payloadOffset = offset;
        payloadLength = 0;
        hasStepBits = false;
        stepBits = 0;
        hasStep = false;
        stepOffset = offset;
        stepLength = 0;
        hasChain = false;
        chain = 0;
        fields = 0;
        pos = offset;
        limit = offset + length;
        while (pos < limit) {
            int tag = readTag();
            int field = tag >>> 3;
            int wireType = tag & 7;
            fields++;
            switch (field) {
                case STREAM_ID -> {
                    if (wireType == WT_VARINT) {
                        streamId = readVarint();
                    } else {
                        skip(field, wireType, 0);
                    }
                }
                case SEQ -> {
                    if (wireType == WT_VARINT) {
                        seq = readVarint();
                    } else {
                        skip(field, wireType, 0);
                    }
                }
                case KIND -> {
                    if (wireType == WT_VARINT) {
                        kind = (int) readVarint();
                    } else {
                        skip(field, wireType, 0);
                    }
                }
                case ENCODING -> {
                    if (wireType == WT_VARINT) {
                        encoding = (int) readVarint();
                    } else {
                        skip(field, wireType, 0);
                    }
                }
                case ERROR_BOUND -> {
                    if (wireType == WT_I64) {
                        need(8);
                        errorBound = Double.longBitsToDouble(segment.get(LONG_LE, pos));
                        pos += 8;
                    } else {
                        skip(field, wireType, 0);
                    }
                }
                case SHAPE -> {
                    if (wireType == WT_VARINT) {
                        addDim(readVarint());
                    } else if (wireType == WT_LEN) {
                        long n = readLength();
                        long end = pos + n;
                        long outer = limit;
                        limit = end;
                        while (pos < end) {
                            addDim(readVarint());
                        }
                        limit = outer;
                    } else {
                        skip(field, wireType, 0);
                    }
                }
                case RAW_SIZE -> {
                    if (wireType == WT_VARINT) {
                        rawSize = readVarint();
                    } else {
                        skip(field, wireType, 0);
                    }
                }
                case COMPRESSED_SIZE -> {
                    if (wireType == WT_VARINT) {
                        compressedSize = readVarint();
                    } else {
                        skip(field, wireType, 0);
                    }
                }
                case CHECKSUM -> {
                    if (wireType == WT_I32) {
                        need(4);
                        checksum = segment.get(INT_LE, pos);
                        hasChecksum = true;
                        pos += 4;
                    } else {
                        skip(field, wireType, 0);
                    }
                }
                case TRANSFORM -> {
                    if (wireType == WT_VARINT) {
                        transform = (int) readVarint();
                    } else {
                        skip(field, wireType, 0);
                    }
                }
                case PAYLOAD -> {
                    if (wireType == WT_LEN) {
                        long n = readLength();
                        payloadOffset = pos;
                        payloadLength = n;
                        pos += n;
                    } else {
                        skip(field, wireType, 0);
                    }
                }
                case STEP_BITS -> {
                    if (wireType == WT_VARINT) {
                        stepBits = readVarint();
                        hasStepBits = true;
                    } else {
                        skip(field, wireType, 0);
                    }
                }
                case STEP -> {
                    if (wireType == WT_LEN) {
                        long n = readLength();
                        stepOffset = pos;
                        stepLength = n;
                        hasStep = true;
                        pos += n;
                    } else {
                        skip(field, wireType, 0);
                    }
                }
                case CHAIN -> {
                    if (wireType == WT_I32) {
                        need(4);
                        chain = segment.get(INT_LE, pos);
                        hasChain = true;
                        pos += 4;
                    } else {
                        skip(field, wireType, 0);
                    }
                }
                default -> skip(field, wireType, 0);
            }
        }
        return this;
    }

    private void addDim(long v) throws LimitExceededException {
        if (rank == MAX_RANK) {
            throw new LimitExceededException("shape has more than " + MAX_RANK + " dimensions");
        }
        // uint32 on the wire: protobuf keeps the low 32 bits of a longer varint.
        shape[rank++] = v & 0xFFFFFFFFL;
    }

    private void skip(int field, int wireType, int depth) throws CorruptFrameException {
        switch (wireType) {
            case WT_VARINT -> readVarint();
            case WT_I64 -> {
                need(8);
                pos += 8;
            }
            case WT_LEN -> {
                long n = readLength(); // not `pos += readLength()`: that adds to pos as it was before the length
                pos += n;
            }
            case WT_I32 -> {
                need(4);
                pos += 4;
            }
            case WT_SGROUP -> {
                if (depth >= MAX_GROUP_DEPTH) {
                    throw corrupt("groups nested deeper than " + MAX_GROUP_DEPTH);
                }
                while (true) {
                    if (pos >= limit) {
                        throw corrupt("group " + field + " not closed");
                    }
                    int tag = readTag();
                    int f = tag >>> 3;
                    int wt = tag & 7;
                    if (wt == WT_EGROUP) {
                        if (f != field) {
                            throw corrupt("group " + field + " closed by end-group " + f);
                        }
                        return;
                    }
                    skip(f, wt, depth + 1);
                }
            }
            case WT_EGROUP -> throw corrupt("end-group " + field + " without a start");
            default -> throw corrupt("invalid wire type " + wireType + " for field " + field);
        }
    }

    /** A tag: a varint of which protobuf keeps the low 32 bits; field number 0 is invalid. */
    private int readTag() throws CorruptFrameException {
        int tag = (int) readVarint();
        if ((tag >>> 3) == 0) {
            throw corrupt("invalid tag " + Integer.toUnsignedString(tag));
        }
        return tag;
    }

    private long readVarint() throws CorruptFrameException {
        long result = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos >= limit) {
                throw corrupt("truncated varint");
            }
            byte b = segment.get(ValueLayout.JAVA_BYTE, pos++);
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw corrupt("varint longer than 10 bytes");
    }

    private long readLength() throws CorruptFrameException {
        // protobuf keeps the low 32 bits of a length varint; negative is malformed.
        int n = (int) readVarint();
        if (n < 0 || n > limit - pos) {
            throw corrupt("length " + n + " runs past the end of the message (" + (limit - pos) + " bytes left)");
        }
        return n;
    }

    private void need(int n) throws CorruptFrameException {
        if (limit - pos < n) {
            throw corrupt("truncated fixed-width field");
        }
    }

    private CorruptFrameException corrupt(String what) {
        return new CorruptFrameException("malformed Frame message: " + what + " at byte " + (pos - offset), -1, -1, -1);
    }

    /** The segment this view reads. */
    public MemorySegment segment() {
        return segment;
    }

    /** Offset of the message in {@link #segment()}. */
    public long offset() {
        return offset;
    }

    /** Length of the message in bytes (without its length prefix). */
    public long length() {
        return length;
    }

    /** The stream id (unsigned 64-bit). */
    public long streamId() {
        return streamId;
    }

    /** The sequence number (unsigned 64-bit). */
    public long seq() {
        return seq;
    }

    /** The kind's wire number, which may be one this version does not know. */
    public int kindNumber() {
        return kind;
    }

    /** The kind, or {@code null} when {@link #kindNumber()} is not a known value. */
    public FrameKind kind() {
        return FrameKind.forNumber(kind);
    }

    /** The encoding's wire number, which may be one this version does not know. */
    public int encodingNumber() {
        return encoding;
    }

    /** The encoding, or {@code null} when {@link #encodingNumber()} is not a known value. */
    public Encoding encoding() {
        return Encoding.forNumber(encoding);
    }

    /** The error bound, 0 for lossless. */
    public double errorBound() {
        return errorBound;
    }

    /** Number of dimensions of the shape. */
    public int rank() {
        return rank;
    }

    /** Dimension {@code i} of the shape (unsigned 32-bit value). */
    public long dim(int i) {
        if (i < 0 || i >= rank) {
            throw new IndexOutOfBoundsException("dimension " + i + " of a rank-" + rank + " shape");
        }
        return shape[i];
    }

    /** The declared decoded payload size. */
    public long rawSize() {
        return rawSize;
    }

    /** The declared stored payload size. */
    public long compressedSize() {
        return compressedSize;
    }

    /** Whether the frame carries a checksum. */
    public boolean hasChecksum() {
        return hasChecksum;
    }

    /** The stored checksum (meaningful when {@link #hasChecksum()}). */
    public int checksum() {
        return checksum;
    }

    /** The tensor transform's wire number (0 when absent), which may be one this version does not know. */
    public int transformNumber() {
        return transform;
    }

    /** Offset of the stored payload in {@link #segment()}. */
    public long payloadOffset() {
        return payloadOffset;
    }

    /** Length of the stored payload. */
    public long payloadLength() {
        return payloadLength;
    }

    /**
     * Whether this is a compact token step frame: exactly one field, {@code step_bits}
     * or {@code step}. Its stream, seq and kind
     * are implied by the frame before it; a {@link FrameStreamReader} fills them in.
     */
    public boolean isCompactStep() {
        return fields == 1 && (hasStepBits || hasStep);
    }

    /** Whether the frame carries {@code step_bits}. */
    public boolean hasStepBits() {
        return hasStepBits;
    }

    /** The {@code step_bits} value (meaningful when {@link #hasStepBits()}). */
    public long stepBits() {
        return stepBits;
    }

    /** Whether the frame carries {@code step} (range-coder unit bytes). */
    public boolean hasStep() {
        return hasStep;
    }

    /** Offset of the {@code step} bytes in {@link #segment()}. */
    public long stepOffset() {
        return stepOffset;
    }

    /** Length of the {@code step} bytes. */
    public long stepLength() {
        return stepLength;
    }

    /** Whether the frame carries a {@code chain} hash over the compact frames before it. */
    public boolean hasChain() {
        return hasChain;
    }

    /** The {@code chain} hash (meaningful when {@link #hasChain()}). */
    public int chain() {
        return chain;
    }

    /** Fills in the identity of a compact step frame, which the frame itself leaves implied. */
    void imply(long streamId, long seq, int kind) {
        this.streamId = streamId;
        this.seq = seq;
        this.kind = kind;
    }

    /** A slice of the stored payload (allocates the slice object). */
    public MemorySegment payload() {
        return segment.asSlice(payloadOffset, payloadLength);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Frame{stream=")
                .append(Long.toUnsignedString(streamId))
                .append(", seq=")
                .append(Long.toUnsignedString(seq))
                .append(", kind=")
                .append(kind() == null ? "?" + kind : kind().name())
                .append(", encoding=")
                .append(encoding() == null ? "?" + encoding : encoding().name())
                .append(", shape=[");
        for (int i = 0; i < rank; i++) {
            s.append(i == 0 ? "" : ",").append(shape[i]);
        }
        return s.append("], raw=")
                .append(rawSize)
                .append(", stored=")
                .append(payloadLength)
                .append('}')
                .toString();
    }
}
