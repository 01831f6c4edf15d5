package io.inferwire.transform.internal;

import static io.inferwire.memory.Layouts.BYTE;
import static io.inferwire.memory.Layouts.INT_LE;

import io.inferwire.CorruptFrameException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Block bit-packing of zigzag codes, as {@link io.inferwire.transform.Backend#pack}
 * specifies. Codes and bytes are staged through per-thread heap arrays, {@value #CHUNK}
 * values at a time: the bit twiddling then runs on plain arrays (no bounds check per
 * access) and the segments see one bulk copy per chunk.
 */
public final class BlockPacking {

    /** Values per block. */
    public static final int BLOCK = 16;

    /** The widest code. */
    public static final int MAX_WIDTH = 24;

    static final int CHUNK = 4096;

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static final class Scratch {
        final int[] values = new int[CHUNK];
        final byte[] bytes = new byte[CHUNK / BLOCK * 2 * MAX_WIDTH + 8];
        final byte[] widths = new byte[CHUNK / BLOCK];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private BlockPacking() {}

    /** Blocks for {@code n} values. */
    public static int blocks(int n) {
        return (n + BLOCK - 1) / BLOCK;
    }

    /**
     * Whether any block of the packed codes of {@code values} values whose width bytes
     * start at {@code widths} is {@link #MAX_WIDTH} bits wide: only such a block can hold
     * an ESCAPE code.
     */
    public static boolean widestBlockPresent(MemorySegment data, long widths, int values) {
        int blocks = blocks(values);
        for (int b = 0; b < blocks; b++) {
            if (data.get(BYTE, widths + b) == MAX_WIDTH) {
                return true;
            }
        }
        return false;
    }

    /** The most bytes {@link #pack} writes for {@code n} values. */
    public static int maxPackedBytes(int n) {
        return blocks(n) * (1 + 2 * MAX_WIDTH);
    }

    /** See {@link io.inferwire.transform.Backend#pack}. */
    public static int pack(MemorySegment z, long zOff, int n, MemorySegment out, long outOff) {
        Scratch s = SCRATCH.get();
        int[] v = s.values;
        byte[] b = s.bytes;
        byte[] widths = s.widths;
        long widthAt = outOff;
        long dataAt = outOff + blocks(n);
        for (int start = 0; start < n; start += CHUNK) {
            int count = Math.min(CHUNK, n - start);
            MemorySegment.copy(z, INT_LE, zOff + 4L * start, v, 0, count);
            int padded = (count + BLOCK - 1) & -BLOCK;
            for (int k = count; k < padded; k++) {
                v[k] = 0;
            }
            int o = 0;
            int blocks = padded / BLOCK;
            for (int blk = 0; blk < blocks; blk++) {
                int base = blk * BLOCK;
                int or = 0;
                for (int k = 0; k < BLOCK; k++) {
                    or |= v[base + k];
                }
                int w = 32 - Integer.numberOfLeadingZeros(or);
                widths[blk] = (byte) w;
                if (w != 0) {
                    o = packBlock(v, base, w, b, o);
                }
            }
            MemorySegment.copy(widths, 0, out, BYTE, widthAt, blocks);
            widthAt += blocks;
            MemorySegment.copy(b, 0, out, BYTE, dataAt, o);
            dataAt += o;
        }
        return (int) (dataAt - outOff);
    }

    /** 16 codes of {@code w} bits, least significant first, into {@code 2w} bytes at {@code o}. */
    private static int packBlock(int[] v, int base, int w, byte[] b, int o) {
        long acc = 0;
        int bits = 0;
        for (int k = 0; k < BLOCK; k++) {
            acc |= (v[base + k] & 0xFFFFFFFFL) << bits;
            bits += w;
            if (bits >= 32) {
                INT.set(b, o, (int) acc);
                o += 4;
                acc >>>= 32;
                bits -= 32;
            }
        }
        while (bits > 0) { // 16w bits is a whole number of bytes
            b[o++] = (byte) acc;
            acc >>>= 8;
            bits -= 8;
        }
        return o;
    }

    /** See {@link io.inferwire.transform.Backend#unpack}. */
    public static int unpack(MemorySegment in, long inOff, long length, MemorySegment z, long zOff, int n)
            throws CorruptFrameException {
        int allBlocks = blocks(n);
        if (length < allBlocks) {
            throw new CorruptFrameException(
                    "packed residuals: " + length + " bytes cannot hold " + allBlocks + " block widths");
        }
        Scratch s = SCRATCH.get();
        int[] v = s.values;
        byte[] b = s.bytes;
        byte[] widths = s.widths;
        long end = inOff + length;
        long widthAt = inOff;
        long dataAt = inOff + allBlocks;
        for (int start = 0; start < n; start += CHUNK) {
            int count = Math.min(CHUNK, n - start);
            int blocks = (count + BLOCK - 1) / BLOCK;
            MemorySegment.copy(in, BYTE, widthAt, widths, 0, blocks);
            int total = 0;
            for (int blk = 0; blk < blocks; blk++) {
                int w = widths[blk] & 0xFF;
                if (w > MAX_WIDTH) {
                    throw new CorruptFrameException(
                            "packed residuals: block " + (widthAt - inOff + blk) + " has width " + w);
                }
                total += 2 * w;
            }
            if (total > end - dataAt) {
                throw new CorruptFrameException("packed residuals run past the payload");
            }
            MemorySegment.copy(in, BYTE, dataAt, b, 0, total);
            // Zero 8 bytes past the end: the reader below loads whole longs.
            for (int k = total; k < total + 8; k++) {
                b[k] = 0;
            }
            int o = 0;
            for (int blk = 0; blk < blocks; blk++) {
                int w = widths[blk] & 0xFF;
                int base = blk * BLOCK;
                if (w == 0) {
                    for (int k = 0; k < BLOCK; k++) {
                        v[base + k] = 0;
                    }
                } else {
                    unpackBlock(b, o, w, v, base);
                    o += 2 * w;
                }
            }
            MemorySegment.copy(v, 0, z, INT_LE, zOff + 4L * start, count);
            widthAt += blocks;
            dataAt += total;
        }
        return (int) (dataAt - inOff);
    }

    /** 16 codes of {@code w} bits from {@code 2w} bytes at {@code o} (reads up to 8 bytes past them). */
    private static void unpackBlock(byte[] b, int o, int w, int[] v, int base) {
        int mask = (1 << w) - 1;
        int bit = 0;
        for (int k = 0; k < BLOCK; k++) {
            int at = o + (bit >>> 3);
            long word = (long) LONG.get(b, at);
            v[base + k] = (int) (word >>> (bit & 7)) & mask;
            bit += w;
        }
    }
}
