package io.inferwire.tokens.internal;

import com.google.protobuf.CodedOutputStream;
import io.inferwire.lz4.XxHash32;
import io.inferwire.wire.FrameChecksum;
import io.inferwire.wire.internal.CompactStep;
import io.inferwire.wire.internal.ProtoWriter;
import java.lang.foreign.MemorySegment;

/**
 * Writes the frames of a token stream into a buffer where the payload (or step unit)
 * already lies at {@code payloadAt}: the header goes into the bytes just before it.
 * The output is what protobuf-java serializes for the same Frame (fields in number
 * order, defaults omitted; tested).
 */
public final class TokenFrames {

    private static final int[] NO_SHAPE = new int[0];
    private static final int STREAM_ID = 1;
    private static final int SEQ = 2;
    private static final int KIND = 3;
    private static final int ERROR_BOUND = 5;
    private static final int RAW_SIZE = 7;
    private static final int COMPRESSED_SIZE = 8;
    private static final int CHECKSUM = 9;
    private static final int STEP_BITS = 12;
    private static final int STEP = 13;
    private static final int CHAIN = 14;
    private static final int PAYLOAD = 15;

    /** The most bytes {@link #full} writes before the payload. */
    public static final int MAX_FULL_HEADER = 80;

    private TokenFrames() {}

    /**
     * Writes a full frame whose payload is {@code b[payloadAt, payloadAt + length)};
     * returns the offset where the delimited frame starts (it ends at the payload's end).
     */
    public static long full(
            MemorySegment b,
            long payloadAt,
            int length,
            long streamId,
            long seq,
            int kind,
            double errorBound,
            boolean hasChain,
            int chain) {
        int checksum =
                XxHash32.hash(b, payloadAt, length, FrameChecksum.seed(streamId, seq, kind, errorBound, NO_SHAPE));
        long bound = Double.doubleToRawLongBits(errorBound);
        int fields = (streamId != 0 ? CodedOutputStream.computeUInt64Size(STREAM_ID, streamId) : 0)
                + (seq != 0 ? CodedOutputStream.computeUInt64Size(SEQ, seq) : 0)
                + CodedOutputStream.computeEnumSize(KIND, kind)
                + (bound != 0 ? CodedOutputStream.computeDoubleSize(ERROR_BOUND, errorBound) : 0)
                + (length != 0 ? 2 * CodedOutputStream.computeUInt64Size(RAW_SIZE, length) : 0)
                + CodedOutputStream.computeFixed32Size(CHECKSUM, checksum)
                + (hasChain ? CodedOutputStream.computeFixed32Size(CHAIN, chain) : 0)
                + (length != 0
                        ? CodedOutputStream.computeTagSize(PAYLOAD) + CodedOutputStream.computeUInt32SizeNoTag(length)
                        : 0);
        int message = fields + length;
        long start = payloadAt - fields - CodedOutputStream.computeUInt32SizeNoTag(message);
        long p = ProtoWriter.varint(b, start, message);
        if (streamId != 0) {
            p = ProtoWriter.varint(b, ProtoWriter.tag(b, p, STREAM_ID, ProtoWriter.VARINT), streamId);
        }
        if (seq != 0) {
            p = ProtoWriter.varint(b, ProtoWriter.tag(b, p, SEQ, ProtoWriter.VARINT), seq);
        }
        p = ProtoWriter.varint(b, ProtoWriter.tag(b, p, KIND, ProtoWriter.VARINT), kind);
        if (bound != 0) {
            p = ProtoWriter.fixed64(b, ProtoWriter.tag(b, p, ERROR_BOUND, ProtoWriter.I64), bound);
        }
        if (length != 0) {
            p = ProtoWriter.varint(b, ProtoWriter.tag(b, p, RAW_SIZE, ProtoWriter.VARINT), length);
            p = ProtoWriter.varint(b, ProtoWriter.tag(b, p, COMPRESSED_SIZE, ProtoWriter.VARINT), length);
        }
        p = ProtoWriter.fixed32(b, ProtoWriter.tag(b, p, CHECKSUM, ProtoWriter.I32), checksum);
        if (hasChain) {
            p = ProtoWriter.fixed32(b, ProtoWriter.tag(b, p, CHAIN, ProtoWriter.I32), chain);
        }
        if (length != 0) {
            p = ProtoWriter.varint(b, ProtoWriter.tag(b, p, PAYLOAD, ProtoWriter.LEN), length);
        }
        if (p != payloadAt) {
            throw new IllegalStateException("token frame header size mismatch");
        }
        return start;
    }

    /**
     * Writes a compact step frame for the unit {@code b[unitAt, unitAt + length)}:
     * {@code step_bits} when the unit packs (an empty unit is {@code step_bits} 0), else
     * {@code step} (header just before the unit). The frame's start and end go to
     * {@code span[0]} and {@code span[1]}.
     */
    public static void compact(MemorySegment b, long unitAt, int length, long scratchAt, long[] span) {
        span[0] = scratchAt;
        if (CompactStep.packs(b, unitAt, length)) {
            long v = CompactStep.pack(b, unitAt, length);
            int vs = CodedOutputStream.computeUInt64SizeNoTag(v);
            if (vs <= length + 1) {
                long p = ProtoWriter.varint(b, scratchAt, 1 + vs);
                p = ProtoWriter.tag(b, p, STEP_BITS, ProtoWriter.VARINT);
                span[1] = ProtoWriter.varint(b, p, v);
                return;
            }
        }
        int message = 1 + CodedOutputStream.computeUInt32SizeNoTag(length) + length;
        long start = unitAt
                - 1
                - CodedOutputStream.computeUInt32SizeNoTag(length)
                - CodedOutputStream.computeUInt32SizeNoTag(message);
        long p = ProtoWriter.varint(b, start, message);
        p = ProtoWriter.tag(b, p, STEP, ProtoWriter.LEN);
        ProtoWriter.varint(b, p, length);
        span[0] = start;
        span[1] = unitAt + length;
    }
}
