package io.inferwire.transform.internal;

import static io.inferwire.memory.Layouts.INT_LE;

import io.inferwire.CorruptFrameException;
import io.inferwire.transform.Backend;
import io.inferwire.transform.QuantParams;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * The check a backend passes before the factory hands it out: every kernel on a fixed
 * input (random values, specials, a length that is not a multiple of any vector width)
 * must give the scalar reference's bytes.
 */
public final class SelfTest {

    private static final int[] EDGES_1E4 = {
        0x4451b714, 0xc451b714, 0x4451b713, 0x3a03126f, 0xba6bedfa, 0x38d1b716, 0x38d1b717, 0x3ac49ba5, 0xbaf9096a
    };

    private SelfTest() {}

    /** Null when {@code b} matches the reference, else what differed. */
    public static String run(Backend b) {
        ScalarBackend ref = ScalarBackend.INSTANCE;
        int n = 389;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocate(4L * n);
            MemorySegment prev = arena.allocate(4L * n);
            SplittableRandom rnd = new SplittableRandom(0x1f2e3d4c5b6a7988L);
            int[] specials = {0x7fc00001, 0xff800000, 0x7f800000, 0x80000000, 0x00000001, 0x7f7fffff};
            for (int i = 0; i < n; i++) {
                float v = (float) (rnd.nextGaussian() * 0.05);
                x.set(INT_LE, 4L * i, i % 61 < specials.length ? specials[i % 61] : Float.floatToRawIntBits(v));
                prev.set(INT_LE, 4L * i, Float.floatToRawIntBits(v + (float) (rnd.nextGaussian() * 1e-3)));
            }
            // Values on the quantizer's edges at bound 1e-4, intra (from the golden vectors):
            // t = +-Q_LIMIT, just inside it, rounding ties, errors of exactly accept and one over.
            for (int k = 0; k < EDGES_1E4.length; k++) {
                x.set(INT_LE, 4L * (100 + 8 * k + k % 8), EDGES_1E4[k]);
            }
            MemorySegment a = arena.allocate(4L * n);
            MemorySegment e = arena.allocate(4L * n);
            MemorySegment a2 = arena.allocate(4L * n);
            MemorySegment e2 = arena.allocate(4L * n);
            for (boolean hasRef : new boolean[] {false, true}) {
                ref.xorSplit(x, 0, prev, 0, hasRef, e, 0, n);
                b.xorSplit(x, 0, prev, 0, hasRef, a, 0, n);
                if (a.mismatch(e) >= 0) {
                    return "xorSplit(hasRef=" + hasRef + ") differs at byte " + a.mismatch(e);
                }
                ref.xorMerge(e, 0, prev, 0, hasRef, e2, 0, n);
                b.xorMerge(e, 0, prev, 0, hasRef, a2, 0, n);
                if (a2.mismatch(e2) >= 0 || a2.mismatch(x) >= 0) {
                    return "xorMerge(hasRef=" + hasRef + ") differs";
                }
            }
            for (double bound : new double[] {1e-3, 1e-4}) {
                QuantParams p = QuantParams.of(bound);
                for (boolean intra : new boolean[] {false, true}) {
                    int escE = ref.quantize(x, 0, prev, 0, intra, p, e, 0, e2, 0, n);
                    int escA = b.quantize(x, 0, prev, 0, intra, p, a, 0, a2, 0, n);
                    if (escE != escA || a.mismatch(e) >= 0 || a2.mismatch(e2) >= 0) {
                        return "quantize(bound=" + bound + ", intra=" + intra + ") differs";
                    }
                    ref.dequantize(e, 0, prev, 0, intra, p, e2, 0, n);
                    b.dequantize(e, 0, prev, 0, intra, p, a2, 0, n);
                    for (int i = 0; i < n; i++) {
                        if (e.get(INT_LE, 4L * i) != QuantParams.ESCAPE
                                && e2.get(INT_LE, 4L * i) != a2.get(INT_LE, 4L * i)) {
                            return "dequantize(intra=" + intra + ") differs at value " + i;
                        }
                    }
                }
            }
            MemorySegment pe = arena.allocate(BlockPacking.maxPackedBytes(n));
            MemorySegment pa = arena.allocate(BlockPacking.maxPackedBytes(n));
            int le = ref.pack(e, 0, n, pe, 0);
            int la = b.pack(e, 0, n, pa, 0);
            if (le != la || pa.asSlice(0, la).mismatch(pe.asSlice(0, le)) >= 0) {
                return "pack differs";
            }
            if (b.unpack(pe, 0, le, a, 0, n) != le || a.mismatch(e) >= 0) {
                return "unpack differs";
            }
            return null;
        } catch (CorruptFrameException | RuntimeException ex) {
            return ex.toString();
        }
    }
}
