/*
 * The GPU check (see pack.sh): lists the backends, runs CudaBackendTest and
 * NativeHostBackendTest through the JUnit launcher, then times the device path with
 * CudaBackendBenchmark's state and methods (median of System.nanoTime, no JMH), and
 * DeviceTensorEncoder per frame against raw D2H + LZ4 (DeviceTensorCodecTest runs too).
 */
import io.inferwire.cuda.CudaKernels;
import io.inferwire.cuda.DeviceTensorEncoder;
import io.inferwire.lz4.Lz4Block;
import io.inferwire.transform.TensorCodec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import io.inferwire.transform.Backend;
import io.inferwire.transform.Backends;
import io.inferwire.transform.CudaBackendBenchmark;
import java.util.Arrays;
import java.util.function.LongSupplier;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.engine.discovery.DiscoverySelectors;

public class GpuRun {
    public static void main(String[] args) throws Exception {
        System.out.println("CudaKernels.isAvailable: " + CudaKernels.isAvailable() + " " + CudaKernels.unavailableReason());
        for (String name : new String[] {"cuda", "vector", "scalar", "native-host"}) {
            Backend b = Backends.named(name);
            System.out.println("backend " + name + ": " + (b.isAvailable() ? "available " + b : "unavailable: " + b.unavailableReason()));
        }
        System.out.println("chosen: " + Backends.get());
        LauncherDiscoveryRequest req = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectClass("io.inferwire.transform.CudaBackendTest"),
                           DiscoverySelectors.selectClass("io.inferwire.transform.DeviceTensorCodecTest"),
                           DiscoverySelectors.selectClass("io.inferwire.transform.NativeHostBackendTest"))
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        long t0 = System.nanoTime();
        launcher.execute(req, listener);
        var s = listener.getSummary();
        System.out.printf("JUnit: %d found, %d succeeded, %d failed, %d skipped (aborted %d) in %.1f s%n",
                s.getTestsFoundCount(), s.getTestsSucceededCount(), s.getTestsFailedCount(),
                s.getTestsSkippedCount(), s.getTestsAbortedCount(), (System.nanoTime() - t0) / 1e9);
        s.getFailures().forEach(f -> {
            System.out.println("FAILED " + f.getTestIdentifier().getDisplayName() + ": " + f.getException());
            f.getException().printStackTrace(System.out);
        });
        if (args.length > 0 && args[0].equals("nofigures")) return;
        deviceEncoder(1 << 20);
        for (int n : new int[] {1 << 20, 1 << 24}) {
            CudaBackendBenchmark bm = new CudaBackendBenchmark();
            bm.n = n;
            bm.bound = 1e-4;
            bm.setUp();
            time(n, "quantizeKernel", 50, bm::quantizeKernel);
            time(n, "packToHost (device pack + D2H packed)", 50, bm::packToHost);
            time(n, "rawF32ToHost (D2H raw f32)", 50, () -> bm.rawF32ToHost().byteSize());
            time(n, "endToEndCompressed (quantize+pack+D2H+LZ4)", n > (1 << 20) ? 10 : 30, bm::endToEndCompressed);
            time(n, "endToEndRawLz4 (D2H raw + LZ4)", n > (1 << 20) ? 5 : 20, bm::endToEndRawLz4);
            bm.tearDown();
        }
    }

    /**
     * DeviceTensorEncoder.encode per frame on a drifting stream of n values (rows already
     * on the device, visited back and forth so consecutive rows differ by one drift step),
     * against copying the raw f32 row to pinned memory and LZ4-compressing it.
     */
    static void deviceEncoder(int n) {
        CudaKernels k = CudaKernels.get();
        int rows = 16;
        long stream = k.createStream();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment host = k.allocatePinned(4L * n, arena);
            long[] d = new long[rows];
            SplittableRandom r = new SplittableRandom(20261125);
            float[] a = new float[n];
            for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * 0.05);
            for (int f = 0; f < rows; f++) {
                for (int i = 0; i < n; i++) a[i] += (float) (r.nextGaussian() * 1e-3);
                MemorySegment.copy(a, 0, host, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, n);
                d[f] = k.allocate(4L * n);
                k.copyToDevice(host, d[f], stream);
                k.synchronize(stream);
            }
            TensorCodec codec = TensorCodec.builder().shape(n).errorBound(1e-4).backend(Backends.scalar()).build();
            try (DeviceTensorEncoder enc = new DeviceTensorEncoder(codec, arena)) {
                int[] at = {0};
                long[] bytes = {0, 0};
                LongSupplier op = () -> {
                    int i = at[0]++ % (2 * rows - 2);
                    int row = i < rows ? i : 2 * rows - 2 - i;
                    int len = enc.encode(d[row], stream);
                    bytes[0] += len;
                    bytes[1]++;
                    return len;
                };
                time(n, "DeviceTensorEncoder.encode (bound 1e-4, drifting)", 60, op);
                System.out.printf("n=%d DeviceTensorEncoder frames: %.0f bytes on average (raw f32 %d)%n",
                        n, (double) bytes[0] / bytes[1], 4L * n);
            }
            Lz4Block lz4 = new Lz4Block();
            MemorySegment dst = arena.allocate(Lz4Block.maxCompressedLength(4 * n));
            int[] at = {0};
            time(n, "raw D2H f32 + LZ4 of it (same rows)", 30, () -> {
                k.copyToHost(d[at[0]++ % rows], host, stream);
                k.synchronize(stream);
                return lz4.compress(host, 0, 4 * n, dst, 0);
            });
            for (long p : d) k.free(p);
        } finally {
            k.destroyStream(stream);
        }
    }

    static void time(int n, String what, int reps, LongSupplier op) {
        long sink = 0;
        for (int i = 0; i < Math.max(5, reps / 5); i++) sink += op.getAsLong();
        long[] t = new long[reps];
        for (int i = 0; i < reps; i++) {
            long a = System.nanoTime();
            sink += op.getAsLong();
            t[i] = System.nanoTime() - a;
        }
        Arrays.sort(t);
        System.out.printf("n=%d %-45s median %9.1f us  min %9.1f us  (%d reps, %.2f GB/s of f32 input at median) [%d]%n",
                n, what, t[reps / 2] / 1e3, t[0] / 1e3, reps, 4.0 * n / t[reps / 2], sink & 1);
    }
}
