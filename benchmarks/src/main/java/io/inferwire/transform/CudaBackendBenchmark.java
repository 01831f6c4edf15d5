package io.inferwire.transform;

import io.inferwire.cuda.CudaKernels;
import io.inferwire.lz4.Lz4Block;
import io.inferwire.memory.Layouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The device path of the error-bounded transform ({@link CudaKernels}), one frame of
 * {@code n} float32 values already on the GPU, against the previous frame's
 * reconstruction also on the GPU (a drifting stream: each value moves by ~1e-3):
 *
 * <ul>
 *   <li>{@code quantizeKernel}: closed-loop quantization on the device (the escape count
 *       comes back, so the stream is waited for);
 *   <li>{@code packToHost}: block widths, scan and packing on the device, then one D2H of
 *       the packed bytes only, into pinned memory;
 *   <li>{@code rawF32ToHost}: the baseline, D2H of the raw float32 frame into pinned memory;
 *   <li>{@code endToEndCompressed}: quantize + packToHost + LZ4 of the pinned packed bytes
 *       in place (FFM-mapped), i.e. device frame to compressed bytes on the host;
 *   <li>{@code endToEndRawLz4}: the baseline, raw D2H + LZ4 of the float32 bytes.
 * </ul>
 *
 * <p>Setup prints the packed and compressed sizes against the raw {@code 4n} bytes (the
 * PCIe transfer shrinks by that ratio). Needs a CUDA device, a driver and JavaCPP's CUDA
 * presets on the class path; elsewhere setup fails with the reason.
 *
 * <pre>benchmarks/run CudaBackendBenchmark</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow",
            "--add-modules=jdk.incubator.vector"
        })
@State(Scope.Thread)
public class CudaBackendBenchmark {

    /** Values per frame: 1M (4 MB of float32) and 16M (64 MB). */
    @Param({"1048576", "16777216"})
    public int n;

    /** The error bound. */
    @Param({"1e-4"})
    public double bound;

    private CudaKernels k;
    private Arena arena;
    private QuantParams p;
    private Lz4Block lz4;
    private long stream;
    private long dX;
    private long dPrev;
    private long dZ;
    private long dNext;
    private MemorySegment packed;
    private MemorySegment raw;
    private MemorySegment compressed;

    /** Puts two correlated frames on the device; fails with the reason where CUDA cannot run. */
    @Setup(Level.Trial)
    public void setUp() {
        if (!CudaKernels.isAvailable()) {
            throw new IllegalStateException("no usable GPU: " + CudaKernels.unavailableReason());
        }
        k = CudaKernels.get();
        arena = Arena.ofShared();
        p = QuantParams.of(bound);
        lz4 = new Lz4Block();
        stream = k.createStream();
        long bytes = 4L * n;
        MemorySegment host = k.allocatePinned(bytes, arena);
        MemorySegment hostPrev = k.allocatePinned(bytes, arena);
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < n; i++) {
            float prev = (float) (r.nextGaussian() * 0.05);
            hostPrev.set(Layouts.FLOAT_LE, 4L * i, prev);
            host.set(Layouts.FLOAT_LE, 4L * i, prev + (float) (r.nextGaussian() * 1e-3));
        }
        dX = k.allocate(bytes);
        dPrev = k.allocate(bytes);
        dZ = k.allocate(bytes);
        dNext = k.allocate(bytes);
        k.copyToDevice(host, dX, stream);
        k.copyToDevice(hostPrev, dPrev, stream);
        k.synchronize(stream);
        packed = k.allocatePinned(CudaKernels.maxPackedBytes(n), arena);
        raw = k.allocatePinned(bytes, arena);
        compressed = arena.allocate(Lz4Block.maxCompressedLength((int) bytes));
        long escapes = k.quantize(dX, dPrev, false, p, dZ, dNext, n, stream);
        long len = k.packToHost(dZ, n, packed, stream);
        int lz = lz4.compress(packed, 0, (int) len, compressed, 0);
        float ms = k.timeMillis(stream, () -> k.quantize(dX, dPrev, false, p, dZ, dNext, n, stream));
        System.err.printf(
                "%s, n=%d: raw %d B, packed %d B (%.2fx, D2H shrinks by that), packed+LZ4 %d B (%.2fx),"
                        + " %d escapes, quantize kernel %.1f us (events)%n",
                k.device(), n, bytes, len, (double) bytes / len, lz, (double) bytes / lz, escapes, 1000 * ms);
    }

    /** Frees the device buffers, the stream and the pinned memory. */
    @TearDown(Level.Trial)
    public void tearDown() {
        if (k == null) {
            return;
        }
        for (long d : new long[] {dX, dPrev, dZ, dNext}) {
            k.free(d);
        }
        k.destroyStream(stream);
        arena.close();
    }

    /** Closed-loop quantization of the frame on the device. */
    @Benchmark
    public long quantizeKernel() {
        return k.quantize(dX, dPrev, false, p, dZ, dNext, n, stream);
    }

    /** Packing on the device and D2H of the packed bytes only. */
    @Benchmark
    public long packToHost() {
        return k.packToHost(dZ, n, packed, stream);
    }

    /** Baseline: D2H of the raw float32 frame. */
    @Benchmark
    public MemorySegment rawF32ToHost() {
        k.copyToHost(dX, raw, stream);
        k.synchronize(stream);
        return raw;
    }

    /** Device frame to compressed bytes on the host: quantize, pack, D2H packed, LZ4 in place. */
    @Benchmark
    public int endToEndCompressed() {
        k.quantize(dX, dPrev, false, p, dZ, dNext, n, stream);
        long len = k.packToHost(dZ, n, packed, stream);
        return lz4.compress(packed, 0, (int) len, compressed, 0);
    }

    /** Baseline: D2H of the raw float32 frame, then LZ4 of it. */
    @Benchmark
    public int endToEndRawLz4() {
        k.copyToHost(dX, raw, stream);
        k.synchronize(stream);
        return lz4.compress(raw, 0, (int) raw.byteSize(), compressed, 0);
    }
}
