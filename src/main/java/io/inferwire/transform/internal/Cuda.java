package io.inferwire.transform.internal;

import static io.inferwire.memory.Layouts.INT_LE;
import static io.inferwire.memory.Layouts.LONG_LE;

import io.inferwire.CorruptFrameException;
import io.inferwire.cuda.CudaException;
import io.inferwire.memory.internal.Checks;
import io.inferwire.transform.QuantParams;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.bytedeco.cuda.cudart.CUctx_st;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The CUDA driver API through JavaCPP's presets ({@code org.bytedeco.cuda.global.cudart}):
 * device 0's primary context, the kernels of {@code inferwire_kernels.cu} loaded from the
 * fatbin this jar carries, and every transform as launches on a stream. Every
 * {@code CUresult} is checked where it is returned; the {@link CudaException} names the
 * call and the error ({@code cuGetErrorName}).
 *
 * <p>Device-pointer operations check their arguments (non-negative counts, non-zero
 * pointers, output segments large enough) before anything is launched; device buffer
 * sizes cannot be checked, they are the caller's word. Scratch (escape counter, block
 * sizes, the packed staging buffer) belongs to this object, so operations are serialized
 * on it and each one waits for its stream before it returns.
 *
 * <p>Reach it through {@link CudaLoader}, which never throws: a machine without JavaCPP's
 * CUDA classes, a driver, a device or the fatbin gets the reason instead. (This class
 * links against JavaCPP; nothing may load it before CudaLoader found those classes.)
 */
public final class Cuda implements DeviceOps {

    private static final int THREADS = 256;
    private static final int MAX_GRID = 8192;
    private static final int SCAN_THREADS = 1024;
    /** Sizes per thread block of the first scan step (iw_k_scan_tiles). */
    private static final int SCAN_TILE = 1024;

    private static final int CU_STREAM_NON_BLOCKING = 1;

    private final CUctx_st ctx;
    private final String device;
    private final CUstream_st internal;
    private final CUfunc_st xorSplit;
    private final CUfunc_st xorMerge;
    private final CUfunc_st quantize;
    private final CUfunc_st dequantize;
    private final CUfunc_st blockWidths;
    private final CUfunc_st unpackSizes;
    private final CUfunc_st scanSizes;
    private final CUfunc_st scanTiles;
    private final CUfunc_st scanAdd;
    private final CUfunc_st packBlocks;
    private final CUfunc_st unpackBlocks;

    // Kernel arguments: one 8-byte slot per argument (ints and floats in the low half,
    // little-endian), and the array of pointers to the slots cuLaunchKernel reads.
    private final LongPointer slots = new LongPointer(12);
    private final PointerPointer<Pointer> params = new PointerPointer<>(12);

    // Device scratch: [0] escape counter, [8] packed total, [16] bad flag; block sizes; packed bytes.
    private final long dSmall;
    private final MemorySegment hSmall;
    private long dSizes;
    private long sizesCap;
    private long dPacked;
    private long packedCap;

    /** A pointer at a raw address (device pointer, pinned or FFM memory); never owns it. */
    static final class Addr extends Pointer {
        Addr(long address) {
            this.address = address;
        }
    }

    private Cuda(CUctx_st ctx, String device, CUmod_st module) {
        this.ctx = ctx;
        this.device = device;
        xorSplit = function(module, "iw_k_xor_split");
        xorMerge = function(module, "iw_k_xor_merge");
        quantize = function(module, "iw_k_quantize");
        dequantize = function(module, "iw_k_dequantize");
        blockWidths = function(module, "iw_k_block_widths");
        unpackSizes = function(module, "iw_k_unpack_sizes");
        scanSizes = function(module, "iw_k_scan_sizes");
        scanTiles = function(module, "iw_k_scan_tiles");
        scanAdd = function(module, "iw_k_scan_add");
        packBlocks = function(module, "iw_k_pack_blocks");
        unpackBlocks = function(module, "iw_k_unpack_blocks");
        internal = new CUstream_st();
        check(cudart.cuStreamCreate(internal, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        for (int i = 0; i < 12; i++) {
            // Plain addresses (position 0): nothing depends on how JavaCPP offsets a typed pointer's position.
            params.put(i, new Addr(slots.address() + 8L * i));
        }
        dSmall = allocate(24);
        hSmall = allocatePinned(24, Arena.global());
    }

    private static CUfunc_st function(CUmod_st module, String name) {
        CUfunc_st f = new CUfunc_st();
        check(cudart.cuModuleGetFunction(f, module, name), "cuModuleGetFunction(" + name + ")");
        return f;
    }

    /**
     * Initializes the driver, retains device 0's primary context and loads {@code image}
     * (a fatbin or PTX). Only {@link CudaLoader} calls it, once JavaCPP's classes loaded.
     *
     * @throws CudaException naming what failed
     */
    static Cuda open(byte[] image) {
        int rc = cudart.cuInit(0);
        if (rc != 0) {
            throw new CudaException("no usable CUDA device: cuInit failed with " + errorName(rc), rc);
        }
        int[] count = new int[1];
        check(cudart.cuDeviceGetCount(count), "cuDeviceGetCount");
        if (count[0] == 0) {
            throw new CudaException("no CUDA device: cuDeviceGetCount is 0", 0);
        }
        int[] dev = new int[1];
        check(cudart.cuDeviceGet(dev, 0), "cuDeviceGet");
        byte[] name = new byte[256];
        check(cudart.cuDeviceGetName(name, name.length, dev[0]), "cuDeviceGetName");
        int len = 0;
        while (len < name.length && name[len] != 0) {
            len++;
        }
        int[] major = new int[1];
        int[] minor = new int[1];
        check(
                cudart.cuDeviceGetAttribute(major, cudart.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev[0]),
                "cuDeviceGetAttribute");
        check(
                cudart.cuDeviceGetAttribute(minor, cudart.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev[0]),
                "cuDeviceGetAttribute");
        String device =
                new String(name, 0, len, java.nio.charset.StandardCharsets.UTF_8) + " (sm_" + major[0] + minor[0] + ")";
        CUctx_st ctx = new CUctx_st();
        check(cudart.cuDevicePrimaryCtxRetain(ctx, dev[0]), "cuDevicePrimaryCtxRetain");
        check(cudart.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
        CUmod_st module = new CUmod_st();
        try (BytePointer bytes = new BytePointer(image.length + 1L)) {
            bytes.put(image, 0, image.length).put(image.length, (byte) 0); // PTX must end with a NUL
            rc = cudart.cuModuleLoadData(module, bytes);
        }
        if (rc != 0) {
            throw new CudaException(
                    "the kernels do not load on " + device + ": cuModuleLoadData failed with " + errorName(rc), rc);
        }
        return new Cuda(ctx, device, module);
    }

    /** {@code cuGetErrorName} of a result, with its number. */
    static String errorName(int rc) {
        PointerPointer<BytePointer> out = new PointerPointer<>(1);
        try {
            if (cudart.cuGetErrorName(rc, out) == 0
                    && out.get(0) != null
                    && !out.get(0).isNull()) {
                return new BytePointer(out.get(0)).getString() + " (" + rc + ")";
            }
            return "CUresult " + rc;
        } finally {
            out.close();
        }
    }

    /** Checks a driver call's result where it is returned. @throws CudaException naming the call */
    static void check(int rc, String call) {
        if (rc != 0) {
            throw new CudaException(call + " failed: " + errorName(rc), rc);
        }
    }

    /** The device's name and compute capability. */
    public String device() {
        return device;
    }

    /** Makes the primary context current on the calling thread (contexts are per thread). */
    private void current() {
        check(cudart.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
    }

    private static CUstream_st stream(long stream) {
        return new CUstream_st(new Addr(stream));
    }

    private static int grid(long work) {
        return (int) Math.max(1, Math.min(MAX_GRID, (work + THREADS - 1) / THREADS));
    }

    private void launch(CUfunc_st f, int grid, int block, CUstream_st stream, String name, long... args) {
        for (int i = 0; i < args.length; i++) {
            slots.put(i, args[i]);
        }
        check(
                cudart.cuLaunchKernel(f, grid, 1, 1, block, 1, 1, 0, stream, params, null),
                "cuLaunchKernel(" + name + ")");
    }

    private static long bits(float f) {
        return Float.floatToRawIntBits(f) & 0xFFFFFFFFL;
    }

    // ---- memory ----

    /** Device memory ({@code cuMemAlloc}); free it with {@link #free}. */
    public synchronized long allocate(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must be >= 0, was " + bytes);
        }
        current();
        long[] d = new long[1];
        check(cudart.cuMemAlloc(d, Math.max(1, bytes)), "cuMemAlloc(" + bytes + ")");
        return d[0];
    }

    /** Frees device memory from {@link #allocate}. */
    public synchronized void free(long devicePtr) {
        if (devicePtr != 0) {
            current();
            check(cudart.cuMemFree(devicePtr), "cuMemFree");
        }
    }

    /**
     * Page-locked host memory ({@code cuMemAllocHost}) as a segment of {@code arena}:
     * {@code cuMemFreeHost} runs when the arena closes.
     */
    @SuppressWarnings("restricted") // the address and size come from cuMemAllocHost
    public synchronized MemorySegment allocatePinned(long bytes, Arena arena) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must be >= 0, was " + bytes);
        }
        current();
        PointerPointer<Pointer> out = new PointerPointer<>(1);
        long address;
        try {
            check(cudart.cuMemAllocHost(out, Math.max(1, bytes)), "cuMemAllocHost(" + bytes + ")");
            address = out.get(0).address();
        } finally {
            out.close();
        }
        return MemorySegment.ofAddress(address).reinterpret(bytes, arena, s -> freePinned(address));
    }

    private synchronized void freePinned(long address) {
        current();
        check(cudart.cuMemFreeHost(new Addr(address)), "cuMemFreeHost");
    }

    /** Host segment (native; pinned for a truly asynchronous copy) to device, on {@code stream}. */
    public void copyToDevice(MemorySegment src, long srcOff, long dst, long bytes, long stream) {
        Checks.checkRange(src, srcOff, bytes);
        nativeOnly(src, "src");
        nonZero(dst, "dst");
        if (bytes == 0) {
            return;
        }
        current();
        check(
                cudart.cuMemcpyHtoDAsync(dst, new Addr(src.address() + srcOff), bytes, stream(stream)),
                "cuMemcpyHtoDAsync");
    }

    /** Device to host segment (native; pinned for a truly asynchronous copy), on {@code stream}. */
    public void copyToHost(long src, MemorySegment dst, long dstOff, long bytes, long stream) {
        Checks.checkRange(dst, dstOff, bytes);
        nativeOnly(dst, "dst");
        nonZero(src, "src");
        if (bytes == 0) {
            return;
        }
        current();
        check(
                cudart.cuMemcpyDtoHAsync(new Addr(dst.address() + dstOff), src, bytes, stream(stream)),
                "cuMemcpyDtoHAsync");
    }

    /** Device to device, {@code bytes} from {@code src} to {@code dst}, queued on {@code stream}. */
    public void copyDeviceToDevice(long src, long dst, long bytes, long stream) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must be >= 0, was " + bytes);
        }
        nonZero(src, "src");
        nonZero(dst, "dst");
        if (bytes == 0) {
            return;
        }
        current();
        check(cudart.cuMemcpyDtoDAsync(dst, src, bytes, stream(stream)), "cuMemcpyDtoDAsync");
    }

    /** Waits for everything queued on {@code stream}. */
    public void synchronize(long stream) {
        current();
        check(cudart.cuStreamSynchronize(stream(stream)), "cuStreamSynchronize");
    }

    /** Creates a non-blocking stream. */
    public long createStream() {
        current();
        CUstream_st s = new CUstream_st();
        check(cudart.cuStreamCreate(s, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        return s.address();
    }

    /** Destroys a stream from {@link #createStream}. */
    public void destroyStream(long stream) {
        nonZero(stream, "stream");
        current();
        check(cudart.cuStreamDestroy(stream(stream)), "cuStreamDestroy");
    }

    /** Milliseconds between events recorded on {@code stream} before and after {@code work} ({@code cuEventElapsedTime}). */
    public float timeMillis(long stream, Runnable work) {
        current();
        CUevent_st a = new CUevent_st();
        CUevent_st b = new CUevent_st();
        check(cudart.cuEventCreate(a, 0), "cuEventCreate");
        check(cudart.cuEventCreate(b, 0), "cuEventCreate");
        try {
            check(cudart.cuEventRecord(a, stream(stream)), "cuEventRecord");
            work.run();
            current();
            check(cudart.cuEventRecord(b, stream(stream)), "cuEventRecord");
            check(cudart.cuEventSynchronize(b), "cuEventSynchronize");
            try (FloatPointer ms = new FloatPointer(1)) {
                check(cudart.cuEventElapsedTime(ms, a, b), "cuEventElapsedTime");
                return ms.get();
            }
        } finally {
            check(cudart.cuEventDestroy(a), "cuEventDestroy");
            check(cudart.cuEventDestroy(b), "cuEventDestroy");
        }
    }

    // ---- argument checks ----

    static void nonZero(long ptr, String what) {
        if (ptr == 0) {
            throw new IllegalArgumentException(what + " is a null device pointer");
        }
    }

    static void count(long n) {
        if (n < 0 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("n must be between 0 and " + Integer.MAX_VALUE + ", was " + n);
        }
    }

    static void nativeOnly(MemorySegment s, String what) {
        if (!s.isNative()) {
            throw new IllegalArgumentException(what + " must be a native segment (pinned memory for async copies)");
        }
    }

    // ---- kernels on device pointers ----

    /** Lossless forward transform; see {@code io.inferwire.cuda.CudaKernels#xorSplit}. */
    public synchronized void xorSplit(long dX, long dRef, boolean hasRef, long dPlanes, long n, long stream) {
        count(n);
        nonZero(dX, "x");
        if (hasRef) {
            nonZero(dRef, "ref");
        }
        nonZero(dPlanes, "planes");
        if (n == 0) {
            return;
        }
        current();
        launch(
                xorSplit,
                grid(n),
                THREADS,
                stream(stream),
                "iw_k_xor_split",
                dX,
                hasRef ? dRef : 0,
                hasRef ? 1 : 0,
                dPlanes,
                n);
    }

    /** Lossless inverse; see {@code io.inferwire.cuda.CudaKernels#xorMerge}. */
    public synchronized void xorMerge(long dPlanes, long dRef, boolean hasRef, long dOut, long n, long stream) {
        count(n);
        nonZero(dPlanes, "planes");
        if (hasRef) {
            nonZero(dRef, "ref");
        }
        nonZero(dOut, "out");
        if (n == 0) {
            return;
        }
        current();
        launch(
                xorMerge,
                grid(n),
                THREADS,
                stream(stream),
                "iw_k_xor_merge",
                dPlanes,
                hasRef ? dRef : 0,
                hasRef ? 1 : 0,
                dOut,
                n);
    }

    /** Closed-loop quantization; waits for {@code stream}; returns the escapes. */
    public synchronized long quantize(
            long dX, long dPrev, boolean intra, QuantParams p, long dZ, long dNext, long n, long stream) {
        count(n);
        nonZero(dX, "x");
        if (!intra) {
            nonZero(dPrev, "prev");
        }
        nonZero(dZ, "z");
        nonZero(dNext, "next");
        if (n == 0) {
            return 0;
        }
        current();
        CUstream_st s = stream(stream);
        check(cudart.cuMemsetD8Async(dSmall, (byte) 0, 8, s), "cuMemsetD8Async");
        launch(
                quantize,
                grid(n),
                THREADS,
                s,
                "iw_k_quantize",
                dX,
                intra ? 0 : dPrev,
                intra ? 1 : 0,
                bits(p.step()),
                bits(p.inverse()),
                bits(p.accept()),
                dZ,
                dNext,
                n,
                dSmall);
        check(cudart.cuMemcpyDtoHAsync(new Addr(hSmall.address()), dSmall, 8, s), "cuMemcpyDtoHAsync");
        check(cudart.cuStreamSynchronize(s), "cuStreamSynchronize");
        return hSmall.get(LONG_LE, 0);
    }

    /** The decoder's half of quantize; escaped slots of next are left as they were. */
    public synchronized void dequantize(
            long dZ, long dPrev, boolean intra, QuantParams p, long dNext, long n, long stream) {
        count(n);
        nonZero(dZ, "z");
        if (!intra) {
            nonZero(dPrev, "prev");
        }
        nonZero(dNext, "next");
        if (n == 0) {
            return;
        }
        current();
        launch(
                dequantize,
                grid(n),
                THREADS,
                stream(stream),
                "iw_k_dequantize",
                dZ,
                intra ? 0 : dPrev,
                intra ? 1 : 0,
                bits(p.step()),
                dNext,
                n);
    }

    private void ensureScratch(long blocks, long packed) {
        if (sizesCap < blocks) {
            if (dSizes != 0) {
                check(cudart.cuMemFree(dSizes), "cuMemFree");
                dSizes = 0;
            }
            long cap = Math.max(blocks, 1024);
            long[] d = new long[1];
            check(cudart.cuMemAlloc(d, 8 * cap), "cuMemAlloc(" + 8 * cap + ")");
            dSizes = d[0];
            sizesCap = cap;
        }
        if (packedCap < packed) {
            if (dPacked != 0) {
                check(cudart.cuMemFree(dPacked), "cuMemFree");
                dPacked = 0;
            }
            long cap = Math.max(packed, 1 << 16);
            long[] d = new long[1];
            check(cudart.cuMemAlloc(d, cap), "cuMemAlloc(" + cap + ")");
            dPacked = d[0];
            packedCap = cap;
        }
    }

    private static long tiles(long blocks) {
        return (blocks + SCAN_TILE - 1) / SCAN_TILE;
    }

    /**
     * Exclusive prefix sum of the {@code blocks} sizes at {@code dSizes} over many thread
     * blocks (tiles scanned in parallel, then the tile sums, then the tile offsets added);
     * the total goes to {@code dSmall + 8}. The tile sums live just past the sizes.
     */
    private void scan(CUstream_st s, long blocks) {
        long tiles = tiles(blocks);
        long dTiles = dSizes + 8 * blocks;
        launch(scanTiles, (int) tiles, SCAN_TILE, s, "iw_k_scan_tiles", dSizes, blocks, dTiles);
        launch(scanSizes, 1, SCAN_THREADS, s, "iw_k_scan_sizes", dTiles, tiles, dSmall + 8);
        launch(scanAdd, grid(blocks), THREADS, s, "iw_k_scan_add", dSizes, blocks, dTiles);
    }

    /** The most bytes packing {@code n} codes gives. */
    public static long maxPackedBytes(long n) {
        return (n + BlockPacking.BLOCK - 1) / BlockPacking.BLOCK * (1 + 2L * BlockPacking.MAX_WIDTH);
    }

    /**
     * Packs {@code n} device codes on the device (widths, scan, blocks) and copies only the
     * packed bytes to {@code out} at {@code outOff}; waits for {@code stream}.
     *
     * @return the packed length
     */
    public synchronized long packToHost(long dCodes, long n, MemorySegment out, long outOff, long stream) {
        count(n);
        nonZero(dCodes, "codes");
        nativeOnly(out, "out");
        Checks.checkRange(out, outOff, 0);
        if (n == 0) {
            return 0;
        }
        long blocks = (n + BlockPacking.BLOCK - 1) / BlockPacking.BLOCK;
        current();
        ensureScratch(blocks + tiles(blocks), maxPackedBytes(n));
        CUstream_st s = stream(stream);
        check(cudart.cuMemsetD8Async(dSmall + 16, (byte) 0, 4, s), "cuMemsetD8Async");
        launch(blockWidths, grid(blocks), THREADS, s, "iw_k_block_widths", dCodes, n, dPacked, dSizes, dSmall + 16);
        scan(s, blocks);
        launch(packBlocks, grid(blocks), THREADS, s, "iw_k_pack_blocks", dCodes, n, dPacked, dSizes, dPacked + blocks);
        check(cudart.cuMemcpyDtoHAsync(new Addr(hSmall.address() + 8), dSmall + 8, 12, s), "cuMemcpyDtoHAsync");
        check(cudart.cuStreamSynchronize(s), "cuStreamSynchronize");
        if (hSmall.get(INT_LE, 16) != 0) {
            throw new IllegalArgumentException("a code of 2^24 or more cannot be packed");
        }
        long length = blocks + hSmall.get(LONG_LE, 8);
        Checks.checkRange(out, outOff, length);
        check(cudart.cuMemcpyDtoHAsync(new Addr(out.address() + outOff), dPacked, length, s), "cuMemcpyDtoHAsync");
        check(cudart.cuStreamSynchronize(s), "cuStreamSynchronize");
        return length;
    }

    /**
     * Copies at most {@code length} packed bytes (no more than {@code n} codes can use) from
     * {@code in} to the device and unpacks {@code n} codes into {@code dCodes}; waits for
     * {@code stream}.
     *
     * @return the bytes consumed
     * @throws CorruptFrameException if a width exceeds 24 or the blocks run past {@code length}
     */
    public synchronized long unpackFromHost(MemorySegment in, long inOff, long length, long dCodes, long n, long stream)
            throws CorruptFrameException {
        count(n);
        nonZero(dCodes, "codes");
        nativeOnly(in, "in");
        Checks.checkRange(in, inOff, length);
        if (n == 0) {
            return 0;
        }
        long blocks = (n + BlockPacking.BLOCK - 1) / BlockPacking.BLOCK;
        if (length < blocks) {
            throw new CorruptFrameException(
                    "packed residuals: " + length + " bytes cannot hold " + blocks + " block widths");
        }
        long copy = Math.min(length, maxPackedBytes(n));
        current();
        ensureScratch(blocks + tiles(blocks), copy);
        CUstream_st s = stream(stream);
        check(cudart.cuMemcpyHtoDAsync(dPacked, new Addr(in.address() + inOff), copy, s), "cuMemcpyHtoDAsync");
        check(cudart.cuMemsetD8Async(dSmall + 16, (byte) 0, 4, s), "cuMemsetD8Async");
        launch(unpackSizes, grid(blocks), THREADS, s, "iw_k_unpack_sizes", dPacked, blocks, dSizes, dSmall + 16);
        scan(s, blocks);
        check(cudart.cuMemcpyDtoHAsync(new Addr(hSmall.address() + 8), dSmall + 8, 12, s), "cuMemcpyDtoHAsync");
        check(cudart.cuStreamSynchronize(s), "cuStreamSynchronize");
        long total = hSmall.get(LONG_LE, 8);
        if (hSmall.get(INT_LE, 16) != 0) {
            throw new CorruptFrameException("packed residuals: a block width above 24");
        }
        if (total > length - blocks) {
            throw new CorruptFrameException("packed residuals run past the payload");
        }
        launch(
                unpackBlocks,
                grid(blocks),
                THREADS,
                s,
                "iw_k_unpack_blocks",
                dPacked,
                dSizes,
                dPacked + blocks,
                dCodes,
                n);
        check(cudart.cuStreamSynchronize(s), "cuStreamSynchronize");
        return blocks + total;
    }

    /** This object's own stream, for the host-segment backend. */
    long internalStream() {
        return internal.address();
    }

    @Override
    public String toString() {
        return "cuda on " + device;
    }
}
