package io.inferwire.transform;

import static io.inferwire.memory.Layouts.FLOAT_LE;

import io.inferwire.memory.internal.Checks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The seed's open-loop delta scheme, kept as a baseline for benchmarks and tests;
 * <b>not for use</b>. It is the scheme of the Go write-up this project answers: the
 * sender transmits {@code curr - prev_input} for every value, replacing each delta with
 * {@code |delta| < threshold} by 0, and the receiver adds the deltas to what it has.
 * Because the sender differences against its own previous <em>input</em>, not against
 * what the receiver reconstructed, every dropped delta is lost for good: a value that
 * drifts slowly, by less than the threshold per frame, is never sent and the
 * receiver's error grows without bound. {@link TensorCodec} in error-bounded mode
 * closes that loop.
 *
 * <p>A payload is {@code 4 * values} bytes: one float32 delta per value, little-endian,
 * 0 where dropped (compressing it, with LZ4 or otherwise, is the caller's business).
 * The first frame is sent against zeros. Encoders and decoders keep their state in
 * segments from the arena given at construction, which must outlive them; they
 * allocate nothing on the heap per frame and are not thread-safe.
 */
public final class OpenLoopDelta {

    private OpenLoopDelta() {}

    /** The bytes of one payload for {@code values} values. */
    public static long payloadBytes(int values) {
        return 4L * values;
    }

    /**
     * The sending side: remembers the previous input frame.
     *
     * @param values the number of float32 values per frame
     * @param threshold deltas with {@code |delta| < threshold} are sent as 0
     * @param arena where the state comes from
     * @return a new encoder
     * @throws IllegalArgumentException if {@code values < 1} or {@code threshold} is negative or NaN
     */
    public static Encoder newEncoder(int values, float threshold, Arena arena) {
        check(values, threshold);
        return new Encoder(values, threshold, arena);
    }

    /**
     * The receiving side: accumulates deltas onto its last output.
     *
     * @param values the number of float32 values per frame
     * @param arena where the state comes from
     * @return a new decoder
     * @throws IllegalArgumentException if {@code values < 1}
     */
    public static Decoder newDecoder(int values, Arena arena) {
        check(values, 0f);
        return new Decoder(values, arena);
    }

    private static void check(int values, float threshold) {
        if (values < 1) {
            throw new IllegalArgumentException("values must be >= 1, was " + values);
        }
        if (!(threshold >= 0)) {
            throw new IllegalArgumentException("threshold must be >= 0, was " + threshold);
        }
    }

    /** Sends {@code curr - prev_input}, dropping small deltas. */
    public static final class Encoder {
        private final int n;
        private final float threshold;
        private final MemorySegment prev;

        private Encoder(int n, float threshold, Arena arena) {
            this.n = n;
            this.threshold = threshold;
            this.prev = arena.allocate(4L * n, 64);
        }

        /**
         * Encodes the frame at {@code [offset, offset + 4 * values)} of {@code values}
         * into {@link #payloadBytes} bytes of {@code payload} at {@code payloadOffset}.
         * Both segments are the caller's; they are only used during the call.
         *
         * @return the number of deltas sent (not dropped)
         * @throws IndexOutOfBoundsException if a range is outside its segment
         */
        public int encode(MemorySegment values, long offset, MemorySegment payload, long payloadOffset) {
            Checks.checkRange(values, offset, 4L * n);
            Checks.checkRange(payload, payloadOffset, 4L * n);
            int sent = 0;
            for (int i = 0; i < n; i++) {
                float curr = values.get(FLOAT_LE, offset + 4L * i);
                float delta = curr - prev.get(FLOAT_LE, 4L * i);
                if (Math.abs(delta) < threshold) {
                    delta = 0f;
                } else {
                    sent++;
                }
                payload.set(FLOAT_LE, payloadOffset + 4L * i, delta);
                prev.set(FLOAT_LE, 4L * i, curr);
            }
            return sent;
        }
    }

    /** Adds each payload's deltas to its previous output. */
    public static final class Decoder {
        private final int n;
        private final MemorySegment acc;

        private Decoder(int n, Arena arena) {
            this.n = n;
            this.acc = arena.allocate(4L * n, 64);
        }

        /**
         * Decodes the payload at {@code payloadOffset} of {@code payload} and writes the
         * frame's values to {@code out} at {@code offset}. Both segments are the
         * caller's; they are only used during the call.
         *
         * @throws IndexOutOfBoundsException if a range is outside its segment
         */
        public void decode(MemorySegment payload, long payloadOffset, MemorySegment out, long offset) {
            Checks.checkRange(payload, payloadOffset, 4L * n);
            Checks.checkRange(out, offset, 4L * n);
            for (int i = 0; i < n; i++) {
                float v = acc.get(FLOAT_LE, 4L * i) + payload.get(FLOAT_LE, payloadOffset + 4L * i);
                acc.set(FLOAT_LE, 4L * i, v);
            }
            MemorySegment.copy(acc, 0, out, offset, 4L * n);
        }
    }
}
