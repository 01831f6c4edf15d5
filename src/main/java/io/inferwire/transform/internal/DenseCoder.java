package io.inferwire.transform.internal;

import static io.inferwire.memory.Layouts.BYTE;
import static io.inferwire.memory.Layouts.FLOAT_LE;
import static io.inferwire.memory.Layouts.INT_LE;

import io.inferwire.CorruptFrameException;
import io.inferwire.entropy.AdaptiveModel;
import io.inferwire.entropy.RangeDecoder;
import io.inferwire.entropy.RangeEncoder;
import io.inferwire.transform.QuantParams;
import io.inferwire.wire.FrameView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The densest packing: the range coder of {@code io.inferwire.entropy} (shared with the
 * token streams) over the transformed values, with adaptive models that persist from
 * frame to frame and are reset by KEY frames.
 *
 * <p>Each unit starts with one coded flag: whether the frame is predicted from the
 * previous reconstruction (a delta) or from the running mean of the reconstructions
 * ({@code m += (r - m) * 0.0625f} per value after every frame, in float32, 0 where the
 * result is not finite, 0 after a KEY frame), which for independent rows such as
 * sentence embeddings removes each dimension's own offset.
 *
 * <p>Residuals (zigzag codes {@code z}) are coded as a token and raw bits, the way
 * DEFLATE codes distances: {@code z < 16} is its own token; otherwise, with {@code L}
 * the bit length of {@code z}, the token is {@code 16 + 4 (L - 5) +} the two bits after
 * the leading one, followed by the {@code L - 3} low bits, raw. The model for a value
 * is chosen by the frame's running level (the average token of the values coded so
 * far, carried over from frame to frame) and by whether this position usually sits
 * below, at or above that level, so that both the overall scale of a frame (large
 * steps early in a streamed prefix, small ones later) and each dimension's own spread
 * get their own statistics. The escaped values' 32 bits follow, raw, in the same unit.
 *
 * <p>Lossless planes are coded byte by byte, one model per plane, after a flag that
 * says whether they are XORed with the previous frame.
 */
public final class DenseCoder {

    static final int TOKENS = 96;
    static final int LEVELS = 12;
    static final int CONTEXTS = LEVELS * 3;

    /**
     * Where each model starts after a reset: a bump around the tokens its level stands
     * for, so that a KEY frame does not pay to learn from nothing. Integer-only, the same
     * on every JVM.
     */
    private static final int[][] PRIORS = priors();

    private static int[][] priors() {
        int[][] p = new int[CONTEXTS][TOKENS];
        for (int c = 0; c < CONTEXTS; c++) {
            int centre = (c / 3) * 4 + 2 + (c % 3 - 1) * 2;
            for (int t = 0; t < TOKENS; t++) {
                int d = Math.abs(t - centre);
                p[c][t] = d >= 12 ? 1 : 2 + (12 - d) * (12 - d) / 4;
            }
        }
        return p;
    }

    private final int n;
    private final AdaptiveModel[] residual = new AdaptiveModel[CONTEXTS];
    private final AdaptiveModel[] planes = new AdaptiveModel[4];
    private final AdaptiveModel predictor = new AdaptiveModel(2);
    private final MemorySegment mean;
    private final short[] position;
    private int level;
    private final RangeEncoder enc = new RangeEncoder();
    private final RangeDecoder dec = new RangeDecoder();
    private final int[] escapeBits;
    private int escapes;

    /** A coder for frames of {@code n} values; its mean vector comes from {@code arena}. */
    public DenseCoder(int n, Arena arena) {
        this(n, arena.allocate(4L * n, 64));
    }

    /**
     * A coder for frames of {@code n} values whose running mean lives in {@code mean}
     * (at least {@code 4n} bytes, zeroed here), so that a caller can reuse the memory.
     */
    public DenseCoder(int n, MemorySegment mean) {
        if (mean.byteSize() < 4L * n) {
            throw new IllegalArgumentException("mean of " + mean.byteSize() + " bytes for " + n + " values");
        }
        this.n = n;
        this.mean = mean;
        mean.fill((byte) 0);
        for (int c = 0; c < CONTEXTS; c++) {
            residual[c] = new AdaptiveModel(PRIORS[c]);
        }
        for (int p = 0; p < 4; p++) {
            planes[p] = new AdaptiveModel(256);
        }
        this.position = new short[n];
        this.escapeBits = new int[n];
    }

    /** The largest coded frame for {@code n} values. */
    public static long maxBytes(int n) {
        return 9L * n + 64;
    }

    /** Back to the initial state (a KEY frame): models, levels and the running mean. */
    public void reset() {
        for (AdaptiveModel m : residual) {
            m.reset();
        }
        for (AdaptiveModel m : planes) {
            m.reset();
        }
        predictor.reset();
        Arrays.fill(position, (short) 0);
        level = 0;
        mean.fill((byte) 0);
    }

    static int token(int z) {
        if (z < 16) {
            return z;
        }
        int len = 32 - Integer.numberOfLeadingZeros(z);
        return 16 + 4 * (len - 5) + ((z >>> (len - 3)) & 3);
    }

    /** A running average of tokens in eighths of a token. */
    private static int average(int state, int token, int shift) {
        return state + (((token << 3) - state) >> shift);
    }

    private int contextOf(int i) {
        int diff = position[i] - level;
        return Math.min(LEVELS - 1, level >>> 5) * 3 + (diff < -12 ? 0 : diff > 12 ? 2 : 1);
    }

    private void learn(int i, int token) {
        position[i] = (short) average(position[i], token, 3);
        level = average(level, token, 5);
    }

    /** The running mean of the reconstructions: the prediction of frames that are not deltas. */
    public MemorySegment mean() {
        return mean;
    }

    /** Moves the running mean towards {@code recon}, the frame just coded or decoded. */
    public void updateMean(MemorySegment recon) {
        for (int i = 0; i < n; i++) {
            float r = recon.get(FLOAT_LE, 4L * i);
            float m = mean.get(FLOAT_LE, 4L * i);
            float next = m + (r - m) * 0.0625f;
            mean.set(FLOAT_LE, 4L * i, Float.isFinite(next) ? next : 0f);
        }
    }

    /** A size proxy for choosing the prediction: the sum of bit lengths. */
    public long estimateResiduals(MemorySegment z) {
        long bits = 0;
        for (int i = 0; i < n; i++) {
            bits += 32 - Integer.numberOfLeadingZeros(z.get(INT_LE, 4L * i));
        }
        return bits;
    }

    /** A size proxy for choosing KEY or DELTA planes: the count of non-zero bytes. */
    public long estimatePlanes(MemorySegment p) {
        long nonZero = 0;
        for (long i = 0; i < 4L * n; i++) {
            if (p.get(BYTE, i) != 0) {
                nonZero++;
            }
        }
        return nonZero;
    }

    /**
     * Codes the prediction flag and {@code n} residuals (and the exact bits of escaped
     * values, read from {@code values}) into {@code out}.
     *
     * @return the bytes written
     */
    public int encodeResiduals(
            boolean fromPrevious, MemorySegment z, MemorySegment values, long valuesOff, MemorySegment out) {
        enc.reset(out, 0, out.byteSize());
        enc.encode(predictor, fromPrevious ? 1 : 0);
        boolean escaped = false;
        for (int i = 0; i < n; i++) {
            int code = z.get(INT_LE, 4L * i);
            int t = token(code);
            enc.encode(residual[contextOf(i)], t);
            learn(i, t);
            if (t >= 16) {
                int extra = (32 - Integer.numberOfLeadingZeros(code)) - 3;
                writeBits(code & ((1 << extra) - 1), extra);
            }
            escaped |= code == QuantParams.ESCAPE;
        }
        if (escaped) {
            for (int i = 0; i < n; i++) {
                if (z.get(INT_LE, 4L * i) == QuantParams.ESCAPE) {
                    int bits = values.get(INT_LE, valuesOff + 4L * i);
                    enc.encodeBits(bits >>> 16, 16);
                    enc.encodeBits(bits & 0xFFFF, 16);
                }
            }
        }
        return (int) enc.finish();
    }

    private void writeBits(int v, int count) {
        if (count > 16) {
            enc.encodeBits(v >>> 16, count - 16);
            enc.encodeBits(v & 0xFFFF, 16);
        } else {
            enc.encodeBits(v, count);
        }
    }

    private int readBits(int count) {
        if (count > 16) {
            int hi = dec.decodeBits(count - 16);
            return hi << 16 | dec.decodeBits(16);
        }
        return dec.decodeBits(count);
    }

    /**
     * Decodes the prediction flag and {@code n} residuals into {@code z}; the escaped
     * values' bits are kept for {@link #patchEscapes}.
     *
     * @return whether the frame is predicted from the previous reconstruction (else from {@link #mean()})
     * @throws CorruptFrameException if the payload does not decode to exactly {@code n} values
     */
    public boolean decodeResiduals(MemorySegment in, long off, long len, MemorySegment z, FrameView f)
            throws CorruptFrameException {
        dec.reset(in, off, len);
        boolean fromPrevious = dec.decode(predictor) == 1;
        int esc = 0;
        for (int i = 0; i < n; i++) {
            int t = dec.decode(residual[contextOf(i)]);
            learn(i, t);
            int code = t;
            if (t >= 16) {
                int bitLength = (t - 16) / 4 + 5;
                int extra = bitLength - 3;
                code = (1 << (bitLength - 1)) | ((t - 16) & 3) << extra | readBits(extra);
            }
            if (code == QuantParams.ESCAPE) {
                esc++;
            }
            z.set(INT_LE, 4L * i, code);
        }
        escapes = 0;
        if (esc > 0) {
            for (int i = 0; i < n; i++) {
                if (z.get(INT_LE, 4L * i) == QuantParams.ESCAPE) {
                    escapeBits[escapes++] = dec.decodeBits(16) << 16 | dec.decodeBits(16);
                }
            }
        }
        check(f);
        return fromPrevious;
    }

    /** Writes the exact bits of the escaped values of the last decoded frame into {@code recon}. */
    public void patchEscapes(MemorySegment z, MemorySegment recon) {
        int k = 0;
        for (int i = 0; i < n && k < escapes; i++) {
            if (z.get(INT_LE, 4L * i) == QuantParams.ESCAPE) {
                recon.set(INT_LE, 4L * i, escapeBits[k++]);
            }
        }
    }

    /**
     * Codes the XOR flag and the {@code 4n} plane bytes of a lossless frame into {@code out}.
     *
     * @return the bytes written
     */
    public int encodePlanes(boolean xored, MemorySegment p, MemorySegment out) {
        enc.reset(out, 0, out.byteSize());
        enc.encode(predictor, xored ? 1 : 0);
        for (int plane = 0; plane < 4; plane++) {
            AdaptiveModel m = planes[plane];
            long base = (long) plane * n;
            for (int i = 0; i < n; i++) {
                enc.encode(m, p.get(BYTE, base + i) & 0xFF);
            }
        }
        return (int) enc.finish();
    }

    /**
     * Decodes the XOR flag and the {@code 4n} plane bytes of a lossless frame into {@code p}.
     *
     * @return whether the planes are XORed with the previous frame
     * @throws CorruptFrameException if the payload does not decode to exactly {@code 4n} bytes
     */
    public boolean decodePlanes(MemorySegment in, long off, long len, MemorySegment p, FrameView f)
            throws CorruptFrameException {
        dec.reset(in, off, len);
        boolean xored = dec.decode(predictor) == 1;
        for (int plane = 0; plane < 4; plane++) {
            AdaptiveModel m = planes[plane];
            long base = (long) plane * n;
            for (int i = 0; i < n; i++) {
                p.set(BYTE, base + i, (byte) dec.decode(m));
            }
        }
        check(f);
        return xored;
    }

    private void check(FrameView f) throws CorruptFrameException {
        if (dec.overran() || !dec.exhausted()) {
            throw new CorruptFrameException(
                    dec.overran()
                            ? "range-coded payload is damaged or too short"
                            : "range-coded payload has bytes left over",
                    f.streamId(),
                    f.seq(),
                    -1);
        }
    }
}
