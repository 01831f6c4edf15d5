package io.inferwire.transform.internal;

import static io.inferwire.memory.Layouts.BYTE;
import static io.inferwire.memory.Layouts.FLOAT_LE;
import static io.inferwire.memory.Layouts.INT_LE;

import io.inferwire.CorruptFrameException;
import io.inferwire.transform.Backend;
import io.inferwire.transform.QuantParams;
import java.lang.foreign.MemorySegment;

/** The reference implementation: one value at a time, exactly as {@link Backend} specifies. The test oracle. */
public final class ScalarBackend implements Backend {

    /** The one instance (stateless). */
    public static final ScalarBackend INSTANCE = new ScalarBackend();

    private ScalarBackend() {}

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void xorSplit(
            MemorySegment x,
            long xOff,
            MemorySegment ref,
            long refOff,
            boolean hasRef,
            MemorySegment planes,
            long planesOff,
            int n) {
        splitRange(x, xOff, ref, refOff, hasRef, planes, planesOff, n, 0);
    }

    /** {@link #xorSplit} for values {@code from} to {@code n - 1} (the vector backend's tail). */
    static void splitRange(
            MemorySegment x,
            long xOff,
            MemorySegment ref,
            long refOff,
            boolean hasRef,
            MemorySegment planes,
            long planesOff,
            int n,
            int from) {
        for (int i = from; i < n; i++) {
            int w = x.get(INT_LE, xOff + 4L * i);
            if (hasRef) {
                w ^= ref.get(INT_LE, refOff + 4L * i);
            }
            planes.set(BYTE, planesOff + i, (byte) (w >>> 24));
            planes.set(BYTE, planesOff + n + i, (byte) (w >>> 16));
            planes.set(BYTE, planesOff + 2L * n + i, (byte) (w >>> 8));
            planes.set(BYTE, planesOff + 3L * n + i, (byte) w);
        }
    }

    @Override
    public void xorMerge(
            MemorySegment planes,
            long planesOff,
            MemorySegment ref,
            long refOff,
            boolean hasRef,
            MemorySegment out,
            long outOff,
            int n) {
        mergeRange(planes, planesOff, ref, refOff, hasRef, out, outOff, n, 0);
    }

    /** {@link #xorMerge} for values {@code from} to {@code n - 1} (the vector backend's tail). */
    static void mergeRange(
            MemorySegment planes,
            long planesOff,
            MemorySegment ref,
            long refOff,
            boolean hasRef,
            MemorySegment out,
            long outOff,
            int n,
            int from) {
        for (int i = from; i < n; i++) {
            int w = (planes.get(BYTE, planesOff + i) & 0xFF) << 24
                    | (planes.get(BYTE, planesOff + n + i) & 0xFF) << 16
                    | (planes.get(BYTE, planesOff + 2L * n + i) & 0xFF) << 8
                    | (planes.get(BYTE, planesOff + 3L * n + i) & 0xFF);
            if (hasRef) {
                w ^= ref.get(INT_LE, refOff + 4L * i);
            }
            out.set(INT_LE, outOff + 4L * i, w);
        }
    }

    @Override
    public int quantize(
            MemorySegment x,
            long xOff,
            MemorySegment prev,
            long prevOff,
            boolean intra,
            QuantParams p,
            MemorySegment z,
            long zOff,
            MemorySegment next,
            long nextOff,
            int n) {
        float step = p.step();
        float inverse = p.inverse();
        float accept = p.accept();
        int escapes = 0;
        for (int i = 0; i < n; i++) {
            float v = x.get(FLOAT_LE, xOff + 4L * i);
            float r = intra ? 0f : prev.get(FLOAT_LE, prevOff + 4L * i);
            float t = (v - r) * inverse;
            int code = QuantParams.ESCAPE;
            if (Math.abs(t) < QuantParams.Q_LIMIT) {
                int q = (int) ((t + QuantParams.ROUND_MAGIC) - QuantParams.ROUND_MAGIC);
                float rn = r + (float) q * step;
                if (Math.abs(v - rn) <= accept) {
                    code = (q << 1) ^ (q >> 31);
                    next.set(FLOAT_LE, nextOff + 4L * i, rn);
                }
            }
            if (code == QuantParams.ESCAPE) {
                next.set(INT_LE, nextOff + 4L * i, x.get(INT_LE, xOff + 4L * i));
                escapes++;
            }
            z.set(INT_LE, zOff + 4L * i, code);
        }
        return escapes;
    }

    @Override
    public void dequantize(
            MemorySegment z,
            long zOff,
            MemorySegment prev,
            long prevOff,
            boolean intra,
            QuantParams p,
            MemorySegment next,
            long nextOff,
            int n) {
        float step = p.step();
        for (int i = 0; i < n; i++) {
            int code = z.get(INT_LE, zOff + 4L * i);
            if (code != QuantParams.ESCAPE) {
                int q = (code >>> 1) ^ -(code & 1);
                float r = intra ? 0f : prev.get(FLOAT_LE, prevOff + 4L * i);
                next.set(FLOAT_LE, nextOff + 4L * i, r + (float) q * step);
            }
        }
    }

    @Override
    public int pack(MemorySegment z, long zOff, int n, MemorySegment out, long outOff) {
        return BlockPacking.pack(z, zOff, n, out, outOff);
    }

    @Override
    public int unpack(MemorySegment in, long inOff, long length, MemorySegment z, long zOff, int n)
            throws CorruptFrameException {
        return BlockPacking.unpack(in, inOff, length, z, zOff, n);
    }
}
