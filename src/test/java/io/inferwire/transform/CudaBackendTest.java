package io.inferwire.transform;

import static io.inferwire.memory.Layouts.BYTE;
import static io.inferwire.memory.Layouts.FLOAT_LE;
import static io.inferwire.memory.Layouts.INT_LE;
import static io.inferwire.transform.ScalarConformance.same;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferwire.CorruptFrameException;
import io.inferwire.Seeds;
import io.inferwire.TestArena;
import io.inferwire.cuda.CudaException;
import io.inferwire.cuda.CudaKernels;
import io.inferwire.transform.internal.BlockPacking;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The {@code cuda} backend and the device entry points ({@link CudaKernels}): bit for bit
 * the golden vectors and the scalar reference, on host segments and on device buffers.
 * Where CUDA cannot run (no JavaCPP presets, no driver, no device, no kernels in the
 * build), the GPU tests are skipped with the reason, and the reason itself is checked.
 */
class CudaBackendTest {

    private static final Backend SCALAR = Backends.scalar();

    private static final int[] SPECIALS = {
        0x7fc00001, 0x7fa5a5a5, 0xffc12345, 0xff800001, 0x7f800000, 0xff800000, 0x00000000, 0x80000000, 0x00000001,
        0x807fffff, 0x00400000, 0x00800000, 0x7f7fffff, 0xff7fffff, 0x4f000000, 0xcf000000, 0x7effffff, 0x4b400000
    };

    private static final int[] LENGTHS = {1, 5, 15, 16, 17, 31, 389, 1000, 4095, 4097, 8193, 20011, 1 << 20};

    /** The cuda backend, or the test is skipped with the reason it cannot run here. */
    static Backend cuda() {
        Backend b = Backends.named("cuda");
        Assumptions.assumeTrue(b.isAvailable(), () -> "cuda backend unavailable: " + b.unavailableReason());
        return b;
    }

    static CudaKernels kernels() {
        Assumptions.assumeTrue(CudaKernels.isAvailable(), () -> "CUDA unavailable: " + CudaKernels.unavailableReason());
        return CudaKernels.get();
    }

    /** Whether a CUDA driver library is installed where the dynamic linker usually finds it. */
    private static boolean driverInstalled() {
        for (String dir : List.of(
                "/usr/lib/x86_64-linux-gnu",
                "/usr/lib64",
                "/usr/lib",
                "/lib/x86_64-linux-gnu",
                "/usr/local/cuda/compat")) {
            if (Files.exists(Path.of(dir, "libcuda.so.1"))) {
                return true;
            }
        }
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) {
            for (String dir : ld.split(":")) {
                if (!dir.isEmpty() && Files.exists(Path.of(dir, "libcuda.so.1"))) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void anUnavailableCudaSaysWhyAndTheFactoryMovesOn() {
        Backend b = Backends.named("cuda");
        assertEquals("cuda", b.name());
        assertEquals(b.isAvailable(), CudaKernels.isAvailable());
        assertEquals("cuda", Backends.all().get(0).name(), "cuda is tried first");
        if (b.isAvailable()) {
            assertEquals("", b.unavailableReason());
            return;
        }
        String reason = b.unavailableReason();
        System.out.println("cuda unavailable: " + reason);
        assertEquals(reason, CudaKernels.unavailableReason());
        assertTrue(
                reason.contains("libcuda.so.1")
                        || reason.contains("device")
                        || reason.contains("presets")
                        || reason.contains("fatbin")
                        || reason.contains("CUDA libraries"),
                reason);
        if (!driverInstalled() && !reason.contains("presets")) {
            // This is the development machines' case: JavaCPP's UnsatisfiedLinkError, caught and named.
            assertTrue(reason.contains("no CUDA driver") && reason.contains("libcuda.so.1"), reason);
        }
        assertTrue(b instanceof UnavailableBackend, b.getClass().getName());
        UnsupportedOperationException e = assertThrows(
                UnsupportedOperationException.class, () -> b.pack(MemorySegment.NULL, 0, 0, MemorySegment.NULL, 0));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        CudaException ce = assertThrows(CudaException.class, CudaKernels::get);
        assertTrue(ce.getMessage().contains(reason), ce.getMessage());
        assertNotEquals("cuda", Backends.get().name());
        // Asking again gives the same answer (loaded once per JVM, no second UnsatisfiedLinkError).
        assertEquals(reason, Backends.named("cuda").unavailableReason());
    }

    @Test
    void reproducesEveryGoldenKernelFile() {
        Backend b = cuda();
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
    static void fill(SplittableRandom r, MemorySegment s, int n, MemorySegment near) {
        for (int i = 0; i < n; i++) {
            int kind = r.nextInt(16);
            int bits = switch (kind) {
                case 0 -> SPECIALS[r.nextInt(SPECIALS.length)];
                case 1 -> r.nextInt();
                case 2 -> Float.floatToRawIntBits((float) (r.nextGaussian() * 1e4));
                case 3, 4, 5, 6 ->
                    near == null
                            ? Float.floatToRawIntBits((float) r.nextGaussian())
                            : Float.floatToRawIntBits(near.get(FLOAT_LE, 4L * i) + (float) (r.nextGaussian() * 1e-3));
                default -> Float.floatToRawIntBits((float) (r.nextGaussian() * 0.05));
            };
            s.set(INT_LE, 4L * i, bits);
        }
    }

    @Test
    void equalsTheScalarReferenceOnRandomData() throws CorruptFrameException {
        Backend b = cuda();
        SplittableRandom r = Seeds.random("CudaBackendTest.equalsTheScalarReferenceOnRandomData");
        for (int n : LENGTHS) {
            long len = 4L * n;
            try (TestArena arena = TestArena.open()) {
                MemorySegment prev = arena.allocate(len, 16);
                fill(r, prev, n, null);
                MemorySegment x = arena.allocate(len, 16);
                fill(r, x, n, prev);
                // Heap segments too: the backend stages every input through pinned memory.
                MemorySegment xh = MemorySegment.ofArray(new int[n]);
                MemorySegment.copy(x, 0, xh, 0, len);
                ScalarConformance.kernelsMatch(b, x, xh, prev, n, r, arena);
            }
        }
    }

    @Test
    void corruptPackedInputIsTyped() {
        Backend b = cuda();
        int n = 100;
        try (TestArena arena = TestArena.open()) {
            MemorySegment x = arena.allocate(4L * n, 16);
            MemorySegment out = arena.allocate(4L * n, 16);
            x.set(INT_LE, 0, 5);
            MemorySegment packed = arena.allocate(BlockPacking.maxPackedBytes(n), 16);
            int len = b.pack(x, 0, n, packed, 0);
            assertEquals(SCALAR.pack(x, 0, n, out, 0), len);
            packed.set(BYTE, 3, (byte) 25);
            assertThrows(CorruptFrameException.class, () -> b.unpack(packed, 0, len, out, 0, n));
            packed.set(BYTE, 3, (byte) 24);
            assertThrows(CorruptFrameException.class, () -> b.unpack(packed, 0, len - 1, out, 0, n));
            assertThrows(CorruptFrameException.class, () -> b.unpack(packed, 0, 6, out, 0, n));
            x.set(INT_LE, 0, 1 << 24);
            assertThrows(IllegalArgumentException.class, () -> b.pack(x, 0, n, packed, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> b.xorSplit(x, 4, x, 0, false, out, 0, n));
        }
    }

    @Test
    void aWholeStreamRoundTripsWithinTheBoundAndMatchesScalarBytes() throws Exception {
        Backend b = cuda();
        SplittableRandom r = Seeds.random("CudaBackendTest.aWholeStreamRoundTrips");
        int n = 389;
        for (TensorStreams.Kind kind : TensorStreams.Kind.values()) {
            float[][] rows = TensorStreams.make(kind, 60, n, r);
            for (double e : new double[] {1e-4, 3e-3}) {
                for (TensorCodec.Packing packing : TensorCodec.Packing.values()) {
                    TensorCodec.Builder builder = TensorCodec.builder()
                            .shape(n)
                            .errorBound(e)
                            .packing(packing)
                            .keyInterval(20)
                            .decisionInterval(3);
                    try (TestArena arena = TestArena.open()) {
                        TensorRoundTrip onGpu =
                                TensorRoundTrip.run(builder.backend(b).build(), rows, arena);
                        TensorCodecTest.assertWithinBound(rows, onGpu.decoded, e);
                        TensorRoundTrip onCpu =
                                TensorRoundTrip.run(builder.backend(SCALAR).build(), rows, arena);
                        assertEquals(onCpu.bytes, onGpu.bytes, kind + " " + e + " " + packing + ": stream size");
                        assertEquals(onCpu.kinds, onGpu.kinds, kind + " " + e + " " + packing + ": frame kinds");
                        for (int f = 0; f < rows.length; f++) {
                            for (int i = 0; i < n; i++) {
                                assertEquals(
                                        Float.floatToRawIntBits(onCpu.decoded.get(f)[i]),
                                        Float.floatToRawIntBits(onGpu.decoded.get(f)[i]),
                                        kind + " frame " + f + " value " + i);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void deviceEntryPointsMatchTheScalarReference() throws CorruptFrameException {
        CudaKernels k = kernels();
        SplittableRandom r = Seeds.random("CudaBackendTest.deviceEntryPoints");
        long stream = k.createStream();
        try {
            for (int n : new int[] {1, 17, 389, 100_003, 1 << 20}) {
                long len = 4L * n;
                long dX = k.allocate(len);
                long dPrev = k.allocate(len);
                long dZ = k.allocate(len);
                long dNext = k.allocate(len);
                long dPlanes = k.allocate(len);
                try (TestArena arena = TestArena.open()) {
                    MemorySegment prev = k.allocatePinned(len, arena);
                    fill(r, prev, n, null);
                    MemorySegment x = k.allocatePinned(len, arena);
                    fill(r, x, n, prev);
                    k.copyToDevice(x, dX, stream);
                    k.copyToDevice(prev, dPrev, stream);

                    MemorySegment e = arena.allocate(len);
                    MemorySegment e2 = arena.allocate(len);
                    MemorySegment a = k.allocatePinned(len, arena);
                    MemorySegment a2 = k.allocatePinned(len, arena);
                    k.xorSplit(dX, dPrev, true, dPlanes, n, stream);
                    k.copyToHost(dPlanes, a, stream);
                    k.synchronize(stream);
                    SCALAR.xorSplit(x, 0, prev, 0, true, e, 0, n);
                    same(e, a, "device xorSplit n=" + n);
                    k.xorMerge(dPlanes, dPrev, true, dNext, n, stream);
                    k.copyToHost(dNext, a, stream);
                    k.synchronize(stream);
                    same(x, a, "device xorMerge n=" + n);

                    QuantParams p = QuantParams.of(1e-4);
                    long escA = k.quantize(dX, dPrev, false, p, dZ, dNext, n, stream);
                    int escE = SCALAR.quantize(x, 0, prev, 0, false, p, e, 0, e2, 0, n);
                    assertEquals(escE, escA, "device escapes n=" + n);
                    k.copyToHost(dZ, a, stream);
                    k.copyToHost(dNext, a2, stream);
                    k.synchronize(stream);
                    same(e, a, "device quantize codes n=" + n);
                    same(e2, a2, "device quantize reconstruction n=" + n);

                    // Pack on the device, only the packed bytes cross: the same bytes as Backend.pack.
                    MemorySegment pe = arena.allocate(BlockPacking.maxPackedBytes(n));
                    MemorySegment pa = k.allocatePinned(CudaKernels.maxPackedBytes(n), arena);
                    int le = SCALAR.pack(e, 0, n, pe, 0);
                    assertEquals(le, k.packToHost(dZ, n, pa, stream), "packToHost length n=" + n);
                    same(pe.asSlice(0, le), pa.asSlice(0, le), "packToHost n=" + n);
                    assertTrue(le < len || n < 64, "packing shrinks the transfer: " + le + " of " + len);
                    assertThrows(
                            IndexOutOfBoundsException.class, () -> k.packToHost(dZ, n, pa.asSlice(0, le - 1), stream));

                    // The mirror: packed host bytes to device codes, then dequantize on the device.
                    k.copyToDevice(prev, dNext, stream);
                    assertEquals(le, k.unpackFromHost(pa, le, dPlanes, n, stream), "unpackFromHost n=" + n);
                    k.copyToHost(dPlanes, a, stream);
                    k.synchronize(stream);
                    same(e, a, "unpackFromHost n=" + n);
                    k.dequantize(dPlanes, dPrev, false, p, dNext, n, stream);
                    k.copyToHost(dNext, a2, stream);
                    k.synchronize(stream);
                    MemorySegment.copy(prev, 0, e2, 0, len);
                    SCALAR.dequantize(e, 0, prev, 0, false, p, e2, 0, n);
                    same(e2, a2, "device dequantize n=" + n);
                } finally {
                    for (long d : new long[] {dX, dPrev, dZ, dNext, dPlanes}) {
                        k.free(d);
                    }
                }
            }
        } finally {
            k.destroyStream(stream);
        }
    }

    @Test
    void deviceEntryPointsCheckTheirArguments() {
        CudaKernels k = kernels();
        QuantParams p = QuantParams.of(1e-3);
        long d = k.allocate(4096);
        try (TestArena arena = TestArena.open()) {
            MemorySegment pinned = k.allocatePinned(64, arena);
            assertThrows(IllegalArgumentException.class, () -> k.xorSplit(d, d, true, d, -1, 0));
            assertThrows(IllegalArgumentException.class, () -> k.xorSplit(0, d, true, d, 10, 0));
            assertThrows(IllegalArgumentException.class, () -> k.xorSplit(d, 0, true, d, 10, 0));
            assertThrows(IllegalArgumentException.class, () -> k.xorMerge(d, d, false, 0, 10, 0));
            assertThrows(IllegalArgumentException.class, () -> k.quantize(d, 0, false, p, d, d, 10, 0));
            assertThrows(IllegalArgumentException.class, () -> k.dequantize(0, d, true, p, d, 10, 0));
            assertThrows(IllegalArgumentException.class, () -> k.packToHost(0, 10, pinned, 0));
            assertThrows(
                    IllegalArgumentException.class, () -> k.packToHost(d, 10, MemorySegment.ofArray(new byte[64]), 0));
            assertThrows(IllegalArgumentException.class, () -> k.copyToHost(d, MemorySegment.ofArray(new byte[8]), 0));
            assertEquals(98, CudaKernels.maxPackedBytes(17));
            assertThrows(CorruptFrameException.class, () -> k.unpackFromHost(pinned, 1, d, 100, 0));
            k.synchronize(0);
        } finally {
            k.free(d);
        }
    }
}
