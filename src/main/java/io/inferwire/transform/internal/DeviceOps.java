package io.inferwire.transform.internal;

import io.inferwire.CorruptFrameException;
import io.inferwire.transform.QuantParams;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The device operations the device tensor codec ({@code io.inferwire.cuda.DeviceTensorEncoder}
 * and {@code DeviceTensorDecoder}) is built on; {@link Cuda} implements them with the
 * driver API. Device pointers and streams are {@code long}s; the semantics are Cuda's
 * methods of the same names. An interface so that the codec's orchestration (decisions,
 * escapes, framing) can be tested against a host emulation where there is no GPU.
 */
public interface DeviceOps {

    /** Device memory of {@code bytes}. */
    long allocate(long bytes);

    /** Frees device memory from {@link #allocate} (0 is ignored). */
    void free(long devicePtr);

    /** Page-locked host memory of {@code bytes}, freed when {@code arena} closes. */
    MemorySegment allocatePinned(long bytes, Arena arena);

    /** Host segment to device, queued on {@code stream}. */
    void copyToDevice(MemorySegment src, long srcOff, long dst, long bytes, long stream);

    /** Device to host segment, queued on {@code stream}. */
    void copyToHost(long src, MemorySegment dst, long dstOff, long bytes, long stream);

    /** Device to device, queued on {@code stream}. */
    void copyDeviceToDevice(long src, long dst, long bytes, long stream);

    /** Waits for everything queued on {@code stream}. */
    void synchronize(long stream);

    /** Lossless forward transform (byte planes, XORed with {@code dRef} when {@code hasRef}). */
    void xorSplit(long dX, long dRef, boolean hasRef, long dPlanes, long n, long stream);

    /** The inverse of {@link #xorSplit}. */
    void xorMerge(long dPlanes, long dRef, boolean hasRef, long dOut, long n, long stream);

    /** Closed-loop quantization; waits for {@code stream}; returns the escapes. */
    long quantize(long dX, long dPrev, boolean intra, QuantParams p, long dZ, long dNext, long n, long stream);

    /** The decoder's half of quantize; escaped slots of {@code dNext} are left as they were. */
    void dequantize(long dZ, long dPrev, boolean intra, QuantParams p, long dNext, long n, long stream);

    /** Packs {@code n} device codes and copies the packed bytes to {@code out}; waits; returns their length. */
    long packToHost(long dCodes, long n, MemorySegment out, long outOff, long stream);

    /**
     * Unpacks {@code n} codes from at most {@code length} host bytes into {@code dCodes};
     * waits; returns the bytes consumed.
     *
     * @throws CorruptFrameException if the packed bytes are malformed
     */
    long unpackFromHost(MemorySegment in, long inOff, long length, long dCodes, long n, long stream)
            throws CorruptFrameException;
}
