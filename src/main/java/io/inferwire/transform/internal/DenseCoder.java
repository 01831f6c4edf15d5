package io.inferwire.transform.internal;

import static io.inferwire.memory.Layouts.BYTE;
import static io.inferwire.memory.Layouts.INT_LE;

import io.inferwire.CorruptFrameException;
import io.inferwire.entropy.AdaptiveModel;
import io.inferwire.entropy.RangeDecoder;
import io.inferwire.entropy.RangeEncoder;
import io.inferwire.transform.QuantParams;
import io.inferwire.wire.FrameView;
import java.lang.foreign.MemorySegment;

/**
 * The densest packing: the range coder of {@code io.inferwire.entropy} (shared with the
 * token streams) over the transformed values, with adaptive models that persist from
 * frame to frame and are reset by KEY frames.
 *
 * <p>Residuals (zigzag codes {@code z}) are coded as a token and raw bits, as DEFLATE
 * codes distances: {@code z < 16} is its own token; otherwise, with {@code L} the bit
 * length of {@code z}, the token is {@code 16 + 4 (L - 5) + } the two bits after the
 * leading one, followed by the {@code L - 3} low bits raw. Every value has its own
 * context, chosen by the running magnitude of its position in the tensor (its last
 * token, halved and quantized to {@value #CONTEXTS} classes), so that dimensions with
 * a wider spread get their own statistics. Escaped values' 32 bits follow, raw, in
 * the same unit.
 *
 * <p>Lossless planes are coded byte by byte, one model per plane.
 */
public final class DenseCoder {

    static final int TOKENS = 96;
    static final int CONTEXTS = 6;

    private final int n;
    private final AdaptiveModel[] residual = new AdaptiveModel[CONTEXTS];
    private final AdaptiveModel[] planes = new AdaptiveModel[4];
    private final byte[] context;
    private final RangeEncoder enc = new RangeEncoder();
    private final RangeDecoder dec = new RangeDecoder();
    private final int[] escapeBits;
    private int escapes;

    /** A coder for frames of {@code n} values. */
    public DenseCoder(int n) {
        this.n = n;
        for (int c = 0; c < CONTEXTS; c++) {
            residual[c] = new AdaptiveModel(TOKENS);
        }
        for (int p = 0; p < 4; p++) {
            planes[p] = new AdaptiveModel(256);
        }
        this.context = new byte[n];
        this.escapeBits = new int[n];
    }

    /** The largest coded frame for {@code n} values. */
    public static int maxBytes(int n) {
        return 9 * n + 64;
    }

    /** Back to the initial models (a KEY frame). */
    public void reset() {
        for (AdaptiveModel m : residual) {
            m.reset();
        }
        for (AdaptiveModel m : planes) {
            m.reset();
        }
        java.util.Arrays.fill(context, (byte) 0);
    }

    static int token(int z) {
        if (z < 16) {
            return z;
        }
        int len = 32 - Integer.numberOfLeadingZeros(z);
        return 16 + 4 * (len - 5) + ((z >>> (len - 3)) & 3);
    }

    private static int contextOf(int token) {
        return Math.min(CONTEXTS - 1, token >>> 3);
    }

    /** A size proxy for choosing KEY or DELTA: the sum of bit lengths. */
    public long estimateResiduals(MemorySegment z) {
        long bits = 0;
        for (int i = 0; i < n; i++) {
            bits += 32 - Integer.numberOfLeadingZeros(z.get(INT_LE, 4L * i));
        }
        return bits;
    }

    /** A size proxy for choosing KEY or DELTA: the count of non-zero bytes. */
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
     * Codes {@code n} residuals (and the exact bits of escaped values, read from
     * {@code values}) into {@code out}.
     *
     * @return the bytes written
     */
    public int encodeResiduals(MemorySegment z, MemorySegment values, long valuesOff, MemorySegment out) {
        enc.reset(out, 0, out.byteSize());
        int esc = 0;
        for (int i = 0; i < n; i++) {
            int code = z.get(INT_LE, 4L * i);
            int t = token(code);
            enc.encode(residual[context[i]], t);
            context[i] = (byte) contextOf(t);
            if (t >= 16) {
                int extra = (32 - Integer.numberOfLeadingZeros(code)) - 3;
                writeBits(code & ((1 << extra) - 1), extra);
            }
            if (code == QuantParams.ESCAPE) {
                esc++;
            }
        }
        if (esc > 0) {
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
     * Decodes {@code n} residuals into {@code z}; the escaped values' bits are kept for
     * {@link #patchEscapes}.
     *
     * @return the bytes consumed (the whole payload)
     * @throws CorruptFrameException if the payload does not decode to exactly {@code n} values
     */
    public int decodeResiduals(MemorySegment in, long off, long len, MemorySegment z, FrameView f)
            throws CorruptFrameException {
        dec.reset(in, off, len);
        int esc = 0;
        for (int i = 0; i < n; i++) {
            int t = dec.decode(residual[context[i]]);
            context[i] = (byte) contextOf(t);
            int code = t;
            if (t >= 16) {
                int len2 = (t - 16) / 4 + 5;
                int extra = len2 - 3;
                code = (1 << (len2 - 1)) | ((t - 16) & 3) << extra | readBits(extra);
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
        return (int) len;
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
     * Codes the {@code 4n} plane bytes of a lossless frame into {@code out}.
     *
     * @return the bytes written
     */
    public int encodePlanes(MemorySegment p, MemorySegment out) {
        enc.reset(out, 0, out.byteSize());
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
     * Decodes the {@code 4n} plane bytes of a lossless frame into {@code p}.
     *
     * @throws CorruptFrameException if the payload does not decode to exactly {@code 4n} bytes
     */
    public void decodePlanes(MemorySegment in, long off, long len, MemorySegment p, FrameView f)
            throws CorruptFrameException {
        dec.reset(in, off, len);
        for (int plane = 0; plane < 4; plane++) {
            AdaptiveModel m = planes[plane];
            long base = (long) plane * n;
            for (int i = 0; i < n; i++) {
                p.set(BYTE, base + i, (byte) dec.decode(m));
            }
        }
        check(f);
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
