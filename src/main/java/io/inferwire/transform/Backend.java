package io.inferwire.transform;

import io.inferwire.CorruptFrameException;
import java.lang.foreign.MemorySegment;

/**
 * The transform kernels, one implementation per kind of hardware. Every
 * implementation produces the same bytes for the same input: the arithmetic below is
 * the specification, and the scalar reference ({@link Backends#scalar()}) is the
 * oracle that tests and golden vectors hold the others to.
 *
 * <p>Values are IEEE-754 binary32, little-endian, read and written by their raw bits
 * (NaN payloads survive). Integers are little-endian 32-bit. Segments may be native or
 * heap; ranges are checked by the caller ({@link TensorEncoder}, {@link
 * TensorDecoder}), so kernels may assume them valid. Arithmetic is float32 with
 * round-to-nearest-even, one rounding per operation, never a fused multiply-add.
 *
 * <h2>Lossless: XOR byte planes</h2>
 * {@code w[i] = bits(x[i]) ^ bits(ref[i])} ({@code ref} absent: 0); plane {@code p}
 * (0..3, at byte {@code p * n}) holds byte {@code 3 - p} of every {@code w[i]}, most
 * significant plane first.
 *
 * <h2>Error-bounded: closed-loop quantization</h2>
 * With {@link QuantParams} {@code step, inverse, accept}, prediction {@code r = prev[i]}
 * ({@code 0f} when intra):
 * <pre>{@code
 * d  = x - r;  t = d * inverse
 * if (!(|t| < Q_LIMIT))                    -> escape
 * q  = (int) ((t + ROUND_MAGIC) - ROUND_MAGIC)
 * rn = r + (float) q * step
 * if (!(|x - rn| <= accept))                -> escape
 * z[i] = (q << 1) ^ (q >> 31);  next[i] = rn
 * escape: z[i] = ESCAPE;  bits(next[i]) = bits(x)
 * }</pre>
 *
 * <h2>Block bit-packing</h2>
 * See {@link #pack}.
 */
public interface Backend {

    /** A short name ({@code scalar}, {@code vector}, {@code cuda}). */
    String name();

    /** Whether this backend can run here; when not, {@link #unavailableReason()} says why. */
    default boolean isAvailable() {
        return true;
    }

    /** Why this backend cannot run here, or an empty string. */
    default String unavailableReason() {
        return "";
    }

    /**
     * Lossless forward transform of {@code n} values into {@code 4n} bytes of planes.
     *
     * @param hasRef whether to XOR with {@code ref} (a DELTA frame)
     */
    void xorSplit(
            MemorySegment x,
            long xOff,
            MemorySegment ref,
            long refOff,
            boolean hasRef,
            MemorySegment planes,
            long planesOff,
            int n);

    /** Lossless inverse: assembles planes, XORs with {@code ref} when {@code hasRef}, writes {@code n} values. */
    void xorMerge(
            MemorySegment planes,
            long planesOff,
            MemorySegment ref,
            long refOff,
            boolean hasRef,
            MemorySegment out,
            long outOff,
            int n);

    /**
     * Quantizes {@code n} values against {@code prev} (or zero when {@code intra}),
     * writing zigzag codes to {@code z} and the reconstruction to {@code next}
     * ({@code next} may be {@code prev}).
     *
     * @return the number of escaped values
     */
    int quantize(
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
            int n);

    /**
     * The decoder's half of {@link #quantize}: {@code next[i] = r + (float) q * step}
     * for every code that is not {@link QuantParams#ESCAPE}. What an implementation
     * writes into escaped slots of {@code next} is unspecified (the scalar reference
     * leaves them as they were, the vector backend writes {@code r + (float) q * step}
     * there too): the caller fills them with the exact bits.
     */
    void dequantize(
            MemorySegment z,
            long zOff,
            MemorySegment prev,
            long prevOff,
            boolean intra,
            QuantParams p,
            MemorySegment next,
            long nextOff,
            int n);

    /**
     * Packs {@code n} zigzag codes (each {@code < 2^24}) in blocks of 16 (the last one
     * padded with zeros): first one width byte per block ({@code w} = bit length of the
     * block's largest code, 0..24), then each block's 16 codes as a little-endian bit
     * stream of {@code 16 * w} bits ({@code 2w} bytes), least significant bit first.
     *
     * @return the bytes written: {@code ceil(n/16) + sum(2 * w)}
     */
    int pack(MemorySegment z, long zOff, int n, MemorySegment out, long outOff);

    /**
     * The inverse of {@link #pack}, reading at most {@code length} bytes.
     *
     * @return the bytes consumed
     * @throws CorruptFrameException if a width exceeds 24 or the blocks run past {@code length}
     */
    int unpack(MemorySegment in, long inOff, long length, MemorySegment z, long zOff, int n)
            throws CorruptFrameException;
}
