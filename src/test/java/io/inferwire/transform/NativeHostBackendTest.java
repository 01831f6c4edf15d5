package io.inferwire.transform;

import static io.inferwire.memory.Layouts.BYTE;
import static io.inferwire.memory.Layouts.INT_LE;
import static io.inferwire.transform.ScalarConformance.same;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferwire.CorruptFrameException;
import io.inferwire.Seeds;
import io.inferwire.TestArena;
import io.inferwire.transform.internal.BlockPacking;
import io.inferwire.transform.internal.NativeHost;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The {@code native-host} backend (the C host build of the kernels the CUDA backend
 * runs) reproduces the golden vectors and the scalar reference bit for bit, on random
 * data with every kind of special value, odd lengths and unaligned offsets; and it turns
 * bad arguments into typed exceptions, never a crash. Skipped, with the reason, when
 * the build had no cmake or C compiler to make the library.
 */
class NativeHostBackendTest {

    private static final Backend SCALAR = Backends.scalar();

    private static final int[] SPECIALS = {
        0x7fc00001, 0x7fa5a5a5, 0xffc12345, 0xff800001, 0x7f800000, 0xff800000, 0x00000000, 0x80000000, 0x00000001,
        0x807fffff, 0x00400000, 0x00800000, 0x7f7fffff, 0xff7fffff, 0x4f000000, 0xcf000000, 0x7effffff, 0x4b400000
    };

    private static final int[] LENGTHS = {0, 1, 5, 15, 16, 17, 31, 389, 1000, 4095, 4097, 8193, 20011};

    /** The backend, or the test is skipped when the library was not built (and fails when it was but cannot run). */
    static Backend host() {
        Backend b = Backends.named(NativeHost.NAME);
        boolean built = NativeHost.class.getResource(NativeHost.RESOURCE) != null
                || System.getProperty(NativeHost.LIBRARY_PROPERTY) != null;
        if (built) {
            assertTrue(b.isAvailable(), "the library was built but native-host cannot run: " + b.unavailableReason());
        }
        Assumptions.assumeTrue(b.isAvailable(), () -> "native-host unavailable: " + b.unavailableReason());
        return b;
    }

    @Test
    void isPinnableButNotInTheAutomaticOrder() {
        Backend b = host();
        assertEquals("native-host", b.name());
        assertTrue(Backends.all().stream().noneMatch(x -> x.name().equals("native-host")));
        assertTrue(((NativeHost) b).version().startsWith("inferwire-host "), ((NativeHost) b).version());
    }

    @Test
    void reproducesEveryGoldenKernelFile() {
        Backend b = host();
        byte[] input = GoldenVectors.read("input.f32");
        try (TestArena arena = TestArena.open()) {
            Map<String, byte[]> files = GoldenVectors.kernels(b, input, arena);
            assertEquals(14, files.size());
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                byte[] golden = GoldenVectors.read(e.getKey());
                assertEquals(
                        -1,
                        MemorySegment.ofArray(golden).mismatch(MemorySegment.ofArray(e.getValue())),
                        e.getKey() + " differs from the golden file");
            }
        }
    }

    /** Gaussian values, their neighbours, specials and random bits, in runs so that blocks vary in width. */
    private static void fill(SplittableRandom r, MemorySegment s, long off, int n, MemorySegment near) {
        for (int i = 0; i < n; i++) {
            int kind = r.nextInt(16);
            int bits = switch (kind) {
                case 0 -> SPECIALS[r.nextInt(SPECIALS.length)];
                case 1 -> r.nextInt();
                case 2 -> Float.floatToRawIntBits((float) (r.nextGaussian() * 1e4));
                case 3, 4, 5, 6 ->
                    near == null
                            ? Float.floatToRawIntBits((float) r.nextGaussian())
                            : Float.floatToRawIntBits(near.get(io.inferwire.memory.Layouts.FLOAT_LE, 4L * i)
                                    + (float) (r.nextGaussian() * 1e-3));
                default -> Float.floatToRawIntBits((float) (r.nextGaussian() * 0.05));
            };
            s.set(INT_LE, off + 4L * i, bits);
        }
    }

    @Test
    void equalsTheScalarReferenceOnRandomData() throws CorruptFrameException {
        Backend b = host();
        SplittableRandom r = Seeds.random("NativeHostBackendTest.equalsTheScalarReferenceOnRandomData");
        for (int n : LENGTHS) {
            // Unaligned offsets: the C side reads little-endian bytes at any address.
            long off = r.nextInt(8);
            long len = 4L * n;
            try (TestArena arena = TestArena.open()) {
                MemorySegment prev = arena.allocate(off + len + 1, 16).asSlice(off, len);
                fill(r, prev, 0, n, null);
                MemorySegment x = arena.allocate(off + len + 1, 16).asSlice(off, len);
                fill(r, x, 0, n, prev);
                ScalarConformance.kernelsMatch(b, x, x, prev, n, r, arena);
            }
        }
    }

    @Test
    void unpackOfRandomBytesFailsAsTheReferenceDoes() {
        Backend b = host();
        SplittableRandom r = Seeds.random("NativeHostBackendTest.unpackOfRandomBytesFailsAsTheReferenceDoes");
        try (TestArena arena = TestArena.open()) {
            MemorySegment in = arena.allocate(4096, 16);
            MemorySegment ze = arena.allocate(4L * 2000, 16);
            MemorySegment za = arena.allocate(4L * 2000, 16);
            for (int round = 0; round < 2000; round++) {
                int n = r.nextInt(2000);
                int length = r.nextInt(4096);
                for (int k = 0; k < length; k++) {
                    // Mostly plausible widths, so that some inputs are valid and the rest fail in every way.
                    in.set(BYTE, k, (byte) (r.nextInt(4) == 0 ? r.nextInt(256) : r.nextInt(6)));
                }
                String expected;
                try {
                    expected = "consumed " + SCALAR.unpack(in, 0, length, ze, 0, n);
                } catch (CorruptFrameException ex) {
                    expected = "corrupt";
                }
                String actual;
                try {
                    actual = "consumed " + b.unpack(in, 0, length, za, 0, n);
                } catch (CorruptFrameException ex) {
                    actual = "corrupt";
                }
                assertEquals(expected, actual, "n=" + n + " length=" + length);
                if (!actual.equals("corrupt")) {
                    same(ze.asSlice(0, 4L * n), za.asSlice(0, 4L * n), "unpack n=" + n);
                }
            }
        }
    }

    @Test
    void badArgumentsAreTypedErrors() {
        Backend b = host();
        QuantParams p = QuantParams.of(1e-4);
        int n = 100;
        try (TestArena arena = TestArena.open()) {
            MemorySegment x = arena.allocate(4L * n, 16);
            MemorySegment out = arena.allocate(4L * n, 16);
            MemorySegment shortOut = arena.allocate(4L * n - 1, 16);
            MemorySegment heap = MemorySegment.ofArray(new byte[4 * n]);

            assertThrows(IndexOutOfBoundsException.class, () -> b.xorSplit(x, 0, x, 0, false, shortOut, 0, n));
            assertThrows(IndexOutOfBoundsException.class, () -> b.xorSplit(x, 4, x, 0, false, out, 0, n));
            assertThrows(IndexOutOfBoundsException.class, () -> b.xorMerge(x, 0, shortOut, 0, true, out, 0, n));
            assertThrows(
                    IndexOutOfBoundsException.class, () -> b.quantize(x, 0, x, 0, true, p, out, 0, shortOut, 0, n));
            assertThrows(IndexOutOfBoundsException.class, () -> b.dequantize(x, -1, x, 0, true, p, out, 0, n));
            assertThrows(IndexOutOfBoundsException.class, () -> b.unpack(x, 0, 4L * n + 1, out, 0, n));

            assertThrows(IllegalArgumentException.class, () -> b.xorSplit(heap, 0, x, 0, false, out, 0, n));
            assertThrows(IllegalArgumentException.class, () -> b.xorMerge(x, 0, heap, 0, true, out, 0, n));
            assertThrows(IllegalArgumentException.class, () -> b.quantize(x, 0, x, 0, true, p, heap, 0, out, 0, n));
            assertThrows(IllegalArgumentException.class, () -> b.dequantize(x, 0, x, 0, false, p, heap, 0, n));
            assertThrows(IllegalArgumentException.class, () -> b.pack(heap, 0, n, out, 0));
            assertThrows(IllegalArgumentException.class, () -> b.unpack(heap, 0, 10, out, 0, n));

            // Packed output that does not fit where the caller put it: typed, nothing written past the segment.
            for (int i = 0; i < n; i++) {
                x.set(INT_LE, 4L * i, 0xFFFFFF);
            }
            MemorySegment packed = arena.allocate(BlockPacking.maxPackedBytes(n), 16);
            assertThrows(IndexOutOfBoundsException.class, () -> b.pack(x, 0, n, packed, 8));
            // A code beyond 24 bits is outside the specification.
            x.set(INT_LE, 0, 1 << 24);
            assertThrows(IllegalArgumentException.class, () -> b.pack(x, 0, n, packed, 0));

            // Corrupt packed input: a width above 24, blocks past the length, too few width bytes.
            x.set(INT_LE, 0, 5);
            int len = b.pack(x, 0, n, packed, 0);
            assertEquals(SCALAR.pack(x, 0, n, out, 0), len);
            packed.set(BYTE, 3, (byte) 25);
            assertThrows(CorruptFrameException.class, () -> b.unpack(packed, 0, len, out, 0, n));
            packed.set(BYTE, 3, (byte) 24);
            assertThrows(CorruptFrameException.class, () -> b.unpack(packed, 0, len - 1, out, 0, n));
            assertThrows(CorruptFrameException.class, () -> b.unpack(packed, 0, 6, out, 0, n));
        }
    }
}
