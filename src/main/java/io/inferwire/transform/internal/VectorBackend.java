package io.inferwire.transform.internal;

import io.inferwire.CorruptFrameException;
import io.inferwire.transform.Backend;
import io.inferwire.transform.QuantParams;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The transforms on {@code jdk.incubator.vector}, 8 lanes at a time (256-bit), with the
 * same operations in the same order as {@link ScalarBackend} (the Vector API never
 * fuses a multiply and an add unless asked), so the output bits are the same. Heap
 * segments (which the Vector API reads only when backed by {@code byte[]}) and the
 * last {@code n % 8} values go through the scalar code.
 */
public final class VectorBackend implements Backend {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_64;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int LANES = 8;

    private final ScalarBackend scalar = ScalarBackend.INSTANCE;

    /** A vector backend; check {@link #cpuProblem()} before use. */
    public VectorBackend() {}

    /** Why this backend cannot run on this CPU, or null when it can (call only once the module is resolved). */
    public static String cpuProblem() {
        int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        return bits < 256 ? "the CPU's preferred vector size is " + bits + " bits; this backend needs 256" : null;
    }

    @Override
    public String name() {
        return "vector";
    }

    private static boolean all(MemorySegment a, MemorySegment b, MemorySegment c) {
        return a.isNative() && b.isNative() && c.isNative();
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
        if (!all(x, hasRef ? ref : x, planes)) {
            scalar.xorSplit(x, xOff, ref, refOff, hasRef, planes, planesOff, n);
            return;
        }
        int bound = n - n % LANES;
        long p1 = planesOff + n;
        long p2 = planesOff + 2L * n;
        long p3 = planesOff + 3L * n;
        for (int i = 0; i < bound; i += LANES) {
            IntVector w = IntVector.fromMemorySegment(I, x, xOff + 4L * i, LE);
            if (hasRef) {
                w = w.lanewise(VectorOperators.XOR, IntVector.fromMemorySegment(I, ref, refOff + 4L * i, LE));
            }
            w.lanewise(VectorOperators.LSHR, 24)
                    .convertShape(VectorOperators.I2B, B, 0)
                    .intoMemorySegment(planes, planesOff + i, LE);
            w.lanewise(VectorOperators.LSHR, 16)
                    .convertShape(VectorOperators.I2B, B, 0)
                    .intoMemorySegment(planes, p1 + i, LE);
            w.lanewise(VectorOperators.LSHR, 8)
                    .convertShape(VectorOperators.I2B, B, 0)
                    .intoMemorySegment(planes, p2 + i, LE);
            w.convertShape(VectorOperators.I2B, B, 0).intoMemorySegment(planes, p3 + i, LE);
        }
        ScalarBackend.splitRange(x, xOff, ref, refOff, hasRef, planes, planesOff, n, bound);
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
        if (!all(planes, hasRef ? ref : planes, out)) {
            scalar.xorMerge(planes, planesOff, ref, refOff, hasRef, out, outOff, n);
            return;
        }
        int bound = n - n % LANES;
        long p1 = planesOff + n;
        long p2 = planesOff + 2L * n;
        long p3 = planesOff + 3L * n;
        for (int i = 0; i < bound; i += LANES) {
            IntVector b0 = widen(planes, planesOff + i);
            IntVector b1 = widen(planes, p1 + i);
            IntVector b2 = widen(planes, p2 + i);
            IntVector b3 = widen(planes, p3 + i);
            IntVector w = b0.lanewise(VectorOperators.LSHL, 24)
                    .lanewise(VectorOperators.OR, b1.lanewise(VectorOperators.LSHL, 16))
                    .lanewise(VectorOperators.OR, b2.lanewise(VectorOperators.LSHL, 8))
                    .lanewise(VectorOperators.OR, b3);
            if (hasRef) {
                w = w.lanewise(VectorOperators.XOR, IntVector.fromMemorySegment(I, ref, refOff + 4L * i, LE));
            }
            w.intoMemorySegment(out, outOff + 4L * i, LE);
        }
        ScalarBackend.mergeRange(planes, planesOff, ref, refOff, hasRef, out, outOff, n, bound);
    }

    private static IntVector widen(MemorySegment s, long off) {
        return ((IntVector) ByteVector.fromMemorySegment(B, s, off, LE).convertShape(VectorOperators.B2I, I, 0))
                .lanewise(VectorOperators.AND, 0xFF);
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
        if (!all(x, intra ? x : prev, z) || !next.isNative()) {
            return scalar.quantize(x, xOff, prev, prevOff, intra, p, z, zOff, next, nextOff, n);
        }
        int bound = n - n % LANES;
        float step = p.step();
        float inverse = p.inverse();
        float accept = p.accept();
        FloatVector zero = FloatVector.zero(F);
        IntVector escape = IntVector.broadcast(I, QuantParams.ESCAPE);
        int escapes = 0;
        for (int i = 0; i < bound; i += LANES) {
            FloatVector v = FloatVector.fromMemorySegment(F, x, xOff + 4L * i, LE);
            FloatVector r = intra ? zero : FloatVector.fromMemorySegment(F, prev, prevOff + 4L * i, LE);
            FloatVector t = v.sub(r).mul(inverse);
            VectorMask<Float> inRange = t.abs().compare(VectorOperators.LT, QuantParams.Q_LIMIT);
            FloatVector qf = t.add(QuantParams.ROUND_MAGIC).sub(QuantParams.ROUND_MAGIC);
            IntVector q = (IntVector) qf.convert(VectorOperators.F2I, 0);
            FloatVector rn = r.add(((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(step));
            VectorMask<Float> ok = inRange.and(v.sub(rn).abs().compare(VectorOperators.LE, accept));
            VectorMask<Integer> bad = ok.not().cast(I);
            IntVector code = q.lanewise(VectorOperators.LSHL, 1)
                    .lanewise(VectorOperators.XOR, q.lanewise(VectorOperators.ASHR, 31))
                    .blend(escape, bad);
            code.intoMemorySegment(z, zOff + 4L * i, LE);
            IntVector bits = rn.reinterpretAsInts().blend(v.reinterpretAsInts(), bad);
            bits.intoMemorySegment(next, nextOff + 4L * i, LE);
            escapes += bad.trueCount();
        }
        if (bound < n) {
            escapes += scalar.quantize(
                    x,
                    xOff + 4L * bound,
                    prev,
                    prevOff + 4L * bound,
                    intra,
                    p,
                    z,
                    zOff + 4L * bound,
                    next,
                    nextOff + 4L * bound,
                    n - bound);
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
        if (!all(z, intra ? z : prev, next)) {
            scalar.dequantize(z, zOff, prev, prevOff, intra, p, next, nextOff, n);
            return;
        }
        int bound = n - n % LANES;
        float step = p.step();
        FloatVector zero = FloatVector.zero(F);
        for (int i = 0; i < bound; i += LANES) {
            IntVector code = IntVector.fromMemorySegment(I, z, zOff + 4L * i, LE);
            IntVector q = code.lanewise(VectorOperators.LSHR, 1)
                    .lanewise(
                            VectorOperators.XOR,
                            code.lanewise(VectorOperators.AND, 1).neg());
            FloatVector r = intra ? zero : FloatVector.fromMemorySegment(F, prev, prevOff + 4L * i, LE);
            // Escaped lanes get a value too; the caller overwrites them with the exact bits.
            r.add(((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(step))
                    .intoMemorySegment(next, nextOff + 4L * i, LE);
        }
        if (bound < n) {
            scalar.dequantize(
                    z, zOff + 4L * bound, prev, prevOff + 4L * bound, intra, p, next, nextOff + 4L * bound, n - bound);
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
