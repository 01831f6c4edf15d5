package io.inferwire.transform.internal;

import io.inferwire.CorruptFrameException;
import io.inferwire.memory.internal.Checks;
import io.inferwire.transform.Backend;
import io.inferwire.transform.QuantParams;
import io.inferwire.transform.UnavailableBackend;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The {@code cuda} backend on host segments: each call copies its inputs through pinned
 * staging to the device, runs the kernels of {@code inferwire_kernels.cu} (through
 * {@link Cuda}) on this backend's stream, and copies the results back. The kernels
 * compute with the math header the host build and the scalar reference are held to,
 * so the bytes are the reference's; the factory self-tests that before handing it out.
 *
 * <p>For data already on the device, {@link io.inferwire.cuda.CudaKernels} takes device
 * pointers and skips the copies. Here the staging buffers are shared, so calls are
 * serialized on the backend; they grow to the largest frame seen and are kept.
 */
public final class CudaBackend implements Backend {

    /** The backend's name. */
    public static final String NAME = "cuda";

    private final Cuda cuda;
    private final long stream;

    private long capacity;
    private Arena pinned;
    private MemorySegment hIn1;
    private MemorySegment hIn2;
    private MemorySegment hOut1;
    private MemorySegment hOut2;
    private long d1;
    private long d2;
    private long d3;
    private long d4;

    private CudaBackend(Cuda cuda) {
        this.cuda = cuda;
        this.stream = cuda.internalStream();
    }

    /**
     * The backend on device 0, self-tested against the scalar reference; or an {@link
     * UnavailableBackend} that says why CUDA cannot run here. Never throws; call once (the
     * factory caches it).
     */
    public static Backend load() {
        return switch (CudaLoader.load()) {
            case CudaLoader.Unavailable u -> new UnavailableBackend(NAME, u.reason());
            case CudaLoader.Ready r -> {
                CudaBackend b = new CudaBackend(r.cuda());
                String failed = SelfTest.run(b);
                yield failed == null
                        ? b
                        : new UnavailableBackend(
                                NAME, "self-test on " + r.cuda().device() + " failed: " + failed);
            }
        };
    }

    /** The device's name and compute capability. */
    public String device() {
        return cuda.device();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String toString() {
        return NAME + " (" + cuda.device() + ")";
    }

    /** Staging for {@code bytes} per buffer: pinned host and device, grown, never shrunk. */
    private void ensure(long bytes) {
        if (bytes <= capacity) {
            return;
        }
        long cap = Math.max(bytes, 1 << 20);
        release();
        pinned = Arena.ofShared();
        hIn1 = cuda.allocatePinned(cap, pinned);
        hIn2 = cuda.allocatePinned(cap, pinned);
        hOut1 = cuda.allocatePinned(cap, pinned);
        hOut2 = cuda.allocatePinned(cap, pinned);
        d1 = cuda.allocate(cap);
        d2 = cuda.allocate(cap);
        d3 = cuda.allocate(cap);
        d4 = cuda.allocate(cap);
        capacity = cap;
    }

    private void release() {
        capacity = 0;
        if (pinned != null) {
            pinned.close();
            pinned = null;
        }
        for (long d : new long[] {d1, d2, d3, d4}) {
            cuda.free(d);
        }
        d1 = d2 = d3 = d4 = 0;
    }

    /** Host bytes to a device buffer through a pinned one. */
    private void up(MemorySegment src, long off, long bytes, MemorySegment staging, long dst) {
        MemorySegment.copy(src, off, staging, 0, bytes);
        cuda.copyToDevice(staging, 0, dst, bytes, stream);
    }

    /** Device bytes to the host, after the stream has finished. */
    private void down(long src, long bytes, MemorySegment staging, MemorySegment dst, long off) {
        cuda.copyToHost(src, staging, 0, bytes, stream);
        cuda.synchronize(stream);
        MemorySegment.copy(staging, 0, dst, off, bytes);
    }

    @Override
    public synchronized void xorSplit(
            MemorySegment x,
            long xOff,
            MemorySegment ref,
            long refOff,
            boolean hasRef,
            MemorySegment planes,
            long planesOff,
            int n) {
        long len = 4L * n;
        Checks.checkRange(x, xOff, len);
        if (hasRef) {
            Checks.checkRange(ref, refOff, len);
        }
        Checks.checkRange(planes, planesOff, len);
        if (n == 0) {
            return;
        }
        ensure(len);
        up(x, xOff, len, hIn1, d1);
        if (hasRef) {
            up(ref, refOff, len, hIn2, d2);
        }
        cuda.xorSplit(d1, d2, hasRef, d3, n, stream);
        down(d3, len, hOut1, planes, planesOff);
    }

    @Override
    public synchronized void xorMerge(
            MemorySegment planes,
            long planesOff,
            MemorySegment ref,
            long refOff,
            boolean hasRef,
            MemorySegment out,
            long outOff,
            int n) {
        long len = 4L * n;
        Checks.checkRange(planes, planesOff, len);
        if (hasRef) {
            Checks.checkRange(ref, refOff, len);
        }
        Checks.checkRange(out, outOff, len);
        if (n == 0) {
            return;
        }
        ensure(len);
        up(planes, planesOff, len, hIn1, d1);
        if (hasRef) {
            up(ref, refOff, len, hIn2, d2);
        }
        cuda.xorMerge(d1, d2, hasRef, d3, n, stream);
        down(d3, len, hOut1, out, outOff);
    }

    @Override
    public synchronized int quantize(
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
        long len = 4L * n;
        Checks.checkRange(x, xOff, len);
        if (!intra) {
            Checks.checkRange(prev, prevOff, len);
        }
        Checks.checkRange(z, zOff, len);
        Checks.checkRange(next, nextOff, len);
        if (n == 0) {
            return 0;
        }
        ensure(len);
        up(x, xOff, len, hIn1, d1);
        if (!intra) {
            up(prev, prevOff, len, hIn2, d2);
        }
        long escapes = cuda.quantize(d1, d2, intra, p, d3, d4, n, stream);
        cuda.copyToHost(d3, hOut1, 0, len, stream);
        cuda.copyToHost(d4, hOut2, 0, len, stream);
        cuda.synchronize(stream);
        MemorySegment.copy(hOut1, 0, z, zOff, len);
        MemorySegment.copy(hOut2, 0, next, nextOff, len);
        return (int) escapes;
    }

    @Override
    public synchronized void dequantize(
            MemorySegment z,
            long zOff,
            MemorySegment prev,
            long prevOff,
            boolean intra,
            QuantParams p,
            MemorySegment next,
            long nextOff,
            int n) {
        long len = 4L * n;
        Checks.checkRange(z, zOff, len);
        if (!intra) {
            Checks.checkRange(prev, prevOff, len);
        }
        Checks.checkRange(next, nextOff, len);
        if (n == 0) {
            return;
        }
        ensure(len);
        up(z, zOff, len, hIn1, d1);
        if (!intra) {
            up(prev, prevOff, len, hIn2, d2);
        }
        // Escaped slots keep what next held: it goes up too.
        up(next, nextOff, len, hOut2, d4);
        cuda.dequantize(d1, d2, intra, p, d4, n, stream);
        down(d4, len, hOut1, next, nextOff);
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@link IndexOutOfBoundsException} when the packed codes do not fit in {@code out},
     * {@link IllegalArgumentException} for a code of {@code 2^24} or more (outside the
     * specification; the scalar reference packs it wider).
     */
    @Override
    public synchronized int pack(MemorySegment z, long zOff, int n, MemorySegment out, long outOff) {
        long len = 4L * n;
        Checks.checkRange(z, zOff, len);
        Checks.checkRange(out, outOff, 0);
        if (n == 0) {
            return 0;
        }
        ensure(Math.max(len, Cuda.maxPackedBytes(n)));
        up(z, zOff, len, hIn1, d1);
        long packed = cuda.packToHost(d1, n, hOut1, 0, stream);
        Checks.checkRange(out, outOff, packed);
        MemorySegment.copy(hOut1, 0, out, outOff, packed);
        return (int) packed;
    }

    @Override
    public synchronized int unpack(MemorySegment in, long inOff, long length, MemorySegment z, long zOff, int n)
            throws CorruptFrameException {
        long len = 4L * n;
        Checks.checkRange(in, inOff, length);
        Checks.checkRange(z, zOff, len);
        if (n == 0) {
            return 0;
        }
        // No more than n codes can use: the rest of the payload stays on the host.
        long copy = Math.min(length, Cuda.maxPackedBytes(n));
        ensure(Math.max(len, copy));
        MemorySegment.copy(in, inOff, hIn1, 0, copy);
        long consumed = cuda.unpackFromHost(hIn1, 0, copy, d3, n, stream);
        down(d3, len, hOut1, z, zOff);
        return (int) consumed;
    }
}
