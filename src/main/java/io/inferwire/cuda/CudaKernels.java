package io.inferwire.cuda;

import io.inferwire.CorruptFrameException;
import io.inferwire.transform.Backend;
import io.inferwire.transform.QuantParams;
import io.inferwire.transform.internal.Cuda;
import io.inferwire.transform.internal.CudaLoader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The transforms of {@link Backend} on CUDA device memory (device 0, its primary
 * context), for a runtime whose tensors are already on the GPU: the same kernels as the
 * {@code cuda} backend, so the same bytes as the scalar reference.
 *
 * <p>Device buffers are {@code CUdeviceptr}s as {@code long}s, owned by the caller (or
 * from {@link #allocate}); {@code stream} is a {@code CUstream} handle as a {@code long},
 * 0 for the legacy default stream. Kernels are queued on that stream and return at once,
 * except where a result must come back to the host ({@link #quantize}, {@link
 * #packToHost}, {@link #unpackFromHost}), which wait for the stream. Every count and
 * pointer is checked before a launch ({@link IllegalArgumentException} for a negative
 * count or a zero pointer, {@link IndexOutOfBoundsException} for a host segment too
 * small); the sizes of device buffers cannot be checked: each must hold what its count
 * says ({@code 4n} bytes for values and codes, {@code 4n} for planes). Every driver
 * status is checked where it is returned ({@link CudaException}, naming the call).
 *
 * <p>One instance per JVM, thread-safe: operations are serialized on it (they share a
 * little device scratch).
 */
public final class CudaKernels {

    private static volatile CudaKernels instance;

    private final Cuda cuda;

    private CudaKernels(Cuda cuda) {
        this.cuda = cuda;
    }

    /**
     * The kernels on device 0, loaded once per JVM.
     *
     * @throws CudaException if CUDA cannot run here (the message says why)
     */
    public static CudaKernels get() {
        CudaKernels k = instance;
        if (k == null) {
            synchronized (CudaKernels.class) {
                k = instance;
                if (k == null) {
                    k = new CudaKernels(CudaLoader.get());
                    instance = k;
                }
            }
        }
        return k;
    }

    /** Whether CUDA can run here. */
    public static boolean isAvailable() {
        return CudaLoader.load() instanceof CudaLoader.Ready;
    }

    /** Why CUDA cannot run here (no JavaCPP presets, no driver, no device, no kernels), or an empty string. */
    public static String unavailableReason() {
        return CudaLoader.load() instanceof CudaLoader.Unavailable u ? u.reason() : "";
    }

    /** The device's name and compute capability. */
    public String device() {
        return cuda.device();
    }

    /** The most bytes {@link #packToHost} writes for {@code n} codes: {@code ceil(n / 16) * 49}. */
    public static long maxPackedBytes(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, was " + n);
        }
        return (n + 15) / 16 * 49;
    }

    /**
     * Lossless forward transform of {@code n} values at {@code dX} into {@code 4n} bytes of
     * byte planes at {@code dPlanes}, XORed with {@code dRef} when {@code hasRef} (see
     * {@link Backend#xorSplit}).
     */
    public void xorSplit(long dX, long dRef, boolean hasRef, long dPlanes, long n, long stream) {
        cuda.xorSplit(dX, dRef, hasRef, dPlanes, n, stream);
    }

    /** The inverse of {@link #xorSplit}: {@code n} values at {@code dOut} (see {@link Backend#xorMerge}). */
    public void xorMerge(long dPlanes, long dRef, boolean hasRef, long dOut, long n, long stream) {
        cuda.xorMerge(dPlanes, dRef, hasRef, dOut, n, stream);
    }

    /**
     * Closed-loop quantization of {@code n} values at {@code dX} against {@code dPrev} (or
     * zero when {@code intra}): zigzag codes to {@code dZ}, the reconstruction to {@code
     * dNext}, which may be {@code dPrev} (see {@link Backend#quantize}). Waits for the stream.
     *
     * @return the number of escaped values
     */
    public long quantize(long dX, long dPrev, boolean intra, QuantParams p, long dZ, long dNext, long n, long stream) {
        return cuda.quantize(dX, dPrev, intra, p, dZ, dNext, n, stream);
    }

    /**
     * The decoder's half of {@link #quantize}; escaped slots of {@code dNext} are left as
     * they were (see {@link Backend#dequantize}).
     */
    public void dequantize(long dZ, long dPrev, boolean intra, QuantParams p, long dNext, long n, long stream) {
        cuda.dequantize(dZ, dPrev, intra, p, dNext, n, stream);
    }

    /**
     * Packs {@code n} zigzag codes at {@code dCodes} on the device (block widths, a scan of
     * the block sizes, the blocks) and copies only the packed bytes into {@code out} from
     * offset 0: the transfer shrinks by the packing ratio. {@code out} must be native,
     * pinned ({@link #allocatePinned}) for the copy to be asynchronous; {@link
     * #maxPackedBytes} always suffices. Waits for the stream.
     *
     * @return the packed length (the bytes of {@link Backend#pack})
     * @throws IndexOutOfBoundsException if the packed bytes do not fit in {@code out}
     * @throws IllegalArgumentException for a code of {@code 2^24} or more
     */
    public long packToHost(long dCodes, long n, MemorySegment out, long stream) {
        return cuda.packToHost(dCodes, n, out, 0, stream);
    }

    /**
     * The mirror of {@link #packToHost}: copies the packed bytes (at most {@code length},
     * no more than {@code n} codes can use) from {@code in} to the device and unpacks
     * {@code n} codes into {@code dCodes}. Waits for the stream.
     *
     * @return the bytes consumed
     * @throws CorruptFrameException if a width exceeds 24 or the blocks run past {@code length}
     */
    public long unpackFromHost(MemorySegment in, long length, long dCodes, long n, long stream)
            throws CorruptFrameException {
        return cuda.unpackFromHost(in, 0, length, dCodes, n, stream);
    }

    /** Device memory of {@code bytes} ({@code cuMemAlloc}); the caller frees it with {@link #free}. */
    public long allocate(long bytes) {
        return cuda.allocate(bytes);
    }

    /** Frees device memory from {@link #allocate} ({@code 0} is ignored). */
    public void free(long devicePtr) {
        cuda.free(devicePtr);
    }

    /**
     * Page-locked host memory ({@code cuMemAllocHost}) mapped as a segment of {@code
     * arena}; it is freed ({@code cuMemFreeHost}) when the arena closes. LZ4 and the codecs
     * read and write it in place.
     */
    public MemorySegment allocatePinned(long bytes, Arena arena) {
        return cuda.allocatePinned(bytes, arena);
    }

    /** Queues a copy of the whole native segment {@code src} to {@code dst} on {@code stream}. */
    public void copyToDevice(MemorySegment src, long dst, long stream) {
        cuda.copyToDevice(src, 0, dst, src.byteSize(), stream);
    }

    /** Queues a copy of {@code dst.byteSize()} bytes from {@code src} into the native segment {@code dst}. */
    public void copyToHost(long src, MemorySegment dst, long stream) {
        cuda.copyToHost(src, dst, 0, dst.byteSize(), stream);
    }

    /** Waits for everything queued on {@code stream}. */
    public void synchronize(long stream) {
        cuda.synchronize(stream);
    }

    /** A new non-blocking stream; destroy it with {@link #destroyStream}. */
    public long createStream() {
        return cuda.createStream();
    }

    /** Destroys a stream from {@link #createStream}. */
    public void destroyStream(long stream) {
        cuda.destroyStream(stream);
    }

    /**
     * Device time of what {@code work} queues on {@code stream}: events recorded before and
     * after it ({@code cuEventRecord}), waited for, {@code cuEventElapsedTime} in milliseconds.
     */
    public float timeMillis(long stream, Runnable work) {
        return cuda.timeMillis(stream, work);
    }
}
