package io.inferwire.transform.internal;

import static io.inferwire.memory.Layouts.BYTE;
import static io.inferwire.memory.Layouts.INT_LE;
import static io.inferwire.memory.Layouts.LONG_LE;

import io.inferwire.CorruptFrameException;
import java.lang.foreign.MemorySegment;

/** Block bit-packing of zigzag codes, as {@link io.inferwire.transform.Backend#pack} specifies. */
public final class BlockPacking {

    /** Values per block. */
    public static final int BLOCK = 16;

    /** The widest code. */
    public static final int MAX_WIDTH = 24;

    private BlockPacking() {}

    /** Blocks for {@code n} values. */
    public static int blocks(int n) {
        return (n + BLOCK - 1) / BLOCK;
    }

    /** The most bytes {@link #pack} writes for {@code n} values. */
    public static int maxPackedBytes(int n) {
        return blocks(n) * (1 + 2 * MAX_WIDTH);
    }

    /** See {@link io.inferwire.transform.Backend#pack}. */
    public static int pack(MemorySegment z, long zOff, int n, MemorySegment out, long outOff) {
        int blocks = blocks(n);
        long p = outOff + blocks;
        for (int b = 0; b < blocks; b++) {
            int base = b * BLOCK;
            int count = Math.min(BLOCK, n - base);
            int or = 0;
            for (int k = 0; k < count; k++) {
                or |= z.get(INT_LE, zOff + 4L * (base + k));
            }
            int w = 32 - Integer.numberOfLeadingZeros(or);
            out.set(BYTE, outOff + b, (byte) w);
            if (w == 0) {
                continue;
            }
            long acc = 0;
            int bits = 0;
            for (int k = 0; k < BLOCK; k++) {
                long v = k < count ? z.get(INT_LE, zOff + 4L * (base + k)) & 0xFFFFFFFFL : 0;
                acc |= v << bits;
                bits += w;
                if (bits >= 32) {
                    out.set(INT_LE, p, (int) acc);
                    p += 4;
                    acc >>>= 32;
                    bits -= 32;
                }
            }
            while (bits > 0) { // 16w bits is a whole number of bytes
                out.set(BYTE, p++, (byte) acc);
                acc >>>= 8;
                bits -= 8;
            }
        }
        return (int) (p - outOff);
    }

    /** See {@link io.inferwire.transform.Backend#unpack}. */
    public static int unpack(MemorySegment in, long inOff, long length, MemorySegment z, long zOff, int n)
            throws CorruptFrameException {
        int blocks = blocks(n);
        if (length < blocks) {
            throw new CorruptFrameException(
                    "packed residuals: " + length + " bytes cannot hold " + blocks + " block widths");
        }
        long end = inOff + length;
        long p = inOff + blocks;
        for (int b = 0; b < blocks; b++) {
            int w = in.get(BYTE, inOff + b) & 0xFF;
            int base = b * BLOCK;
            int count = Math.min(BLOCK, n - base);
            if (w > MAX_WIDTH) {
                throw new CorruptFrameException("packed residuals: block " + b + " has width " + w);
            }
            if (w == 0) {
                for (int k = 0; k < count; k++) {
                    z.set(INT_LE, zOff + 4L * (base + k), 0);
                }
                continue;
            }
            long blockEnd = p + 2L * w;
            if (blockEnd > end) {
                throw new CorruptFrameException("packed residuals: block " + b + " runs past the payload");
            }
            int mask = (1 << w) - 1;
            long acc = 0;
            int bits = 0;
            for (int k = 0; k < count; k++) {
                if (bits < w) {
                    if (blockEnd - p >= 8 && bits <= 0) {
                        acc = in.get(LONG_LE, p);
                        p += 8;
                        bits = 64;
                    } else {
                        while (bits < w) {
                            if (blockEnd - p >= 4 && bits <= 32) {
                                acc |= (in.get(INT_LE, p) & 0xFFFFFFFFL) << bits;
                                p += 4;
                                bits += 32;
                            } else {
                                acc |= (long) (in.get(BYTE, p) & 0xFF) << bits;
                                p++;
                                bits += 8;
                            }
                        }
                    }
                }
                z.set(INT_LE, zOff + 4L * (base + k), (int) acc & mask);
                acc >>>= w;
                bits -= w;
            }
            p = blockEnd;
        }
        return (int) (p - inOff);
    }
}
