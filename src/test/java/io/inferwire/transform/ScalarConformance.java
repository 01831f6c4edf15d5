package io.inferwire.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferwire.CorruptFrameException;
import io.inferwire.TestArena;
import io.inferwire.transform.internal.BlockPacking;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/** Holds a backend's kernels to the scalar reference, bit for bit, on one input. */
final class ScalarConformance {

    static final Backend SCALAR = Backends.scalar();

    /** Error bounds every kernel is checked at (ordinary, coarse, fine, huge, subnormal-scale). */
    static final double[] BOUNDS = {1e-4, 1e-2, 1e-6, 0.5, 3e-37};

    private ScalarConformance() {}

    static void same(MemorySegment expected, MemorySegment actual, String what) {
        long at = expected.mismatch(actual);
        assertEquals(-1, at, what + ": differs from scalar at byte " + at);
    }

    /**
     * Every kernel of {@code b} on {@code n} values against the scalar reference: xorSplit
     * and xorMerge with and without a reference, quantize (intra and against {@code prev},
     * at every bound), dequantize, pack and unpack, and quantize in place (next == prev, as
     * the decoder does). {@code input} is what {@code b} reads (the values of {@code x},
     * possibly in another kind of segment); the scalar reference reads {@code x}.
     */
    static void kernelsMatch(
            Backend b,
            MemorySegment x,
            MemorySegment input,
            MemorySegment prev,
            int n,
            SplittableRandom r,
            TestArena arena)
            throws CorruptFrameException {
        long len = 4L * n;
        MemorySegment e = arena.allocate(len + 64, 16);
        MemorySegment a = arena.allocate(len + 64, 16);
        MemorySegment e2 = arena.allocate(len + 64, 16);
        MemorySegment a2 = arena.allocate(len + 64, 16);
        MemorySegment u = arena.allocate(len + 64, 16);
        for (boolean hasRef : new boolean[] {false, true}) {
            SCALAR.xorSplit(x, 0, prev, 0, hasRef, e, 3, n);
            b.xorSplit(input, 0, prev, 0, hasRef, a, 3, n);
            same(e, a, "xorSplit n=" + n + " hasRef=" + hasRef);
            SCALAR.xorMerge(e, 3, prev, 0, hasRef, e2, 1, n);
            b.xorMerge(e, 3, prev, 0, hasRef, a2, 1, n);
            same(e2, a2, "xorMerge n=" + n + " hasRef=" + hasRef);
            same(x, a2.asSlice(1, len), "xorMerge undoes xorSplit, n=" + n);
        }
        MemorySegment pe = arena.allocate(BlockPacking.maxPackedBytes(n) + 8L, 16);
        MemorySegment pa = arena.allocate(BlockPacking.maxPackedBytes(n) + 8L, 16);
        for (double bound : BOUNDS) {
            QuantParams p = QuantParams.of(bound);
            for (boolean intra : new boolean[] {false, true}) {
                String what = "n=" + n + " bound=" + bound + " intra=" + intra;
                int escE = SCALAR.quantize(x, 0, prev, 0, intra, p, e, 0, e2, 2, n);
                int escA = b.quantize(input, 0, prev, 0, intra, p, a, 0, a2, 2, n);
                assertEquals(escE, escA, "escapes, " + what);
                same(e, a, "quantize codes, " + what);
                same(e2, a2, "quantize reconstruction, " + what);
                // dequantize leaves escaped slots alone in both: same prior bytes, same result.
                e2.fill((byte) 0x5a);
                a2.fill((byte) 0x5a);
                SCALAR.dequantize(e, 0, prev, 0, intra, p, e2, 5, n);
                b.dequantize(e, 0, prev, 0, intra, p, a2, 5, n);
                same(e2, a2, "dequantize, " + what);
                int le = SCALAR.pack(e, 0, n, pe, 1);
                int la = b.pack(e, 0, n, pa, 1);
                assertEquals(le, la, "packed length, " + what);
                same(pe.asSlice(1, le), pa.asSlice(1, la), "pack, " + what);
                u.fill((byte) 0);
                assertEquals(le, b.unpack(pe, 1, le + r.nextInt(3), u, 0, n), "unpack consumed, " + what);
                same(e.asSlice(0, len), u.asSlice(0, len), "unpack, " + what);
            }
        }
        MemorySegment pe2 = arena.allocate(len + 1, 16);
        MemorySegment pa2 = arena.allocate(len + 1, 16);
        MemorySegment.copy(prev, 0, pe2, 0, len);
        MemorySegment.copy(prev, 0, pa2, 0, len);
        QuantParams p = QuantParams.of(1e-4);
        assertEquals(
                SCALAR.quantize(x, 0, pe2, 0, false, p, e, 0, pe2, 0, n),
                b.quantize(input, 0, pa2, 0, false, p, a, 0, pa2, 0, n));
        same(pe2, pa2, "quantize in place, n=" + n);
    }
}
