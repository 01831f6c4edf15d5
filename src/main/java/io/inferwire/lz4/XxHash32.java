package io.inferwire.lz4;

import static io.inferwire.memory.Layouts.INT_LE;

import io.inferwire.memory.internal.Checks;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * xxHash32 over off-heap memory, one-shot and streaming: the checksum of the LZ4 frame
 * format (content and block checksums, seed 0) and of inferwire frames. lz4-java's own
 * streaming xxHash takes only {@code byte[]}, which would mean copying tensors onto
 * the heap; this one reads the segment in place. Tested bit-for-bit against
 * lz4-java's native implementation.
 *
 * <p>A streaming instance is not thread-safe; the static method is.
 */
public final class XxHash32 {

    private static final int P1 = 0x9E3779B1;
    private static final int P2 = 0x85EBCA77;
    private static final int P3 = 0xC2B2AE3D;
    private static final int P4 = 0x27D4EB2F;
    private static final int P5 = 0x165667B1;

    private final int seed;
    private final MemorySegment stripe = MemorySegment.ofArray(new byte[16]);
    private int v1;
    private int v2;
    private int v3;
    private int v4;
    private int buffered;
    private long total;

    /** A streaming hash with the given seed. */
    public XxHash32(int seed) {
        this.seed = seed;
        reset();
    }

    /** Starts over, as if newly created. */
    public void reset() {
        v1 = seed + P1 + P2;
        v2 = seed + P2;
        v3 = seed;
        v4 = seed - P1;
        buffered = 0;
        total = 0;
    }

    /** Adds {@code [offset, offset + length)} of {@code segment} to the hash. */
    public void update(MemorySegment segment, long offset, long length) {
        Checks.checkRange(segment, offset, length);
        total += length;
        if (buffered > 0) {
            int take = (int) Math.min(16 - buffered, length);
            MemorySegment.copy(segment, offset, stripe, buffered, take);
            buffered += take;
            offset += take;
            length -= take;
            if (buffered < 16) {
                return;
            }
            stripe(stripe, 0);
            buffered = 0;
        }
        long end = offset + (length & ~15L);
        for (; offset < end; offset += 16) {
            stripe(segment, offset);
        }
        int rest = (int) (length & 15);
        if (rest > 0) {
            MemorySegment.copy(segment, offset, stripe, 0, rest);
            buffered = rest;
        }
    }

    private void stripe(MemorySegment s, long p) {
        v1 = round(v1, s.get(INT_LE, p));
        v2 = round(v2, s.get(INT_LE, p + 4));
        v3 = round(v3, s.get(INT_LE, p + 8));
        v4 = round(v4, s.get(INT_LE, p + 12));
    }

    /** The hash of everything added since creation or {@link #reset()}. */
    public int value() {
        int h = total >= 16
                ? Integer.rotateLeft(v1, 1)
                        + Integer.rotateLeft(v2, 7)
                        + Integer.rotateLeft(v3, 12)
                        + Integer.rotateLeft(v4, 18)
                : seed + P5;
        h += (int) total;
        return finish(h, stripe, 0, buffered);
    }

    /** The xxHash32 of {@code [offset, offset + length)} of {@code segment}. */
    public static int hash(MemorySegment segment, long offset, long length, int seed) {
        Checks.checkRange(segment, offset, length);
        long p = offset;
        long end = offset + length;
        int h;
        if (length >= 16) {
            int a = seed + P1 + P2;
            int b = seed + P2;
            int c = seed;
            int d = seed - P1;
            long limit = end - 16;
            do {
                a = round(a, segment.get(INT_LE, p));
                b = round(b, segment.get(INT_LE, p + 4));
                c = round(c, segment.get(INT_LE, p + 8));
                d = round(d, segment.get(INT_LE, p + 12));
                p += 16;
            } while (p <= limit);
            h = Integer.rotateLeft(a, 1)
                    + Integer.rotateLeft(b, 7)
                    + Integer.rotateLeft(c, 12)
                    + Integer.rotateLeft(d, 18);
        } else {
            h = seed + P5;
        }
        h += (int) length;
        return finish(h, segment, p, (int) (end - p));
    }

    private static int finish(int h, MemorySegment s, long p, int rest) {
        long end = p + rest;
        for (; p + 4 <= end; p += 4) {
            h += s.get(INT_LE, p) * P3;
            h = Integer.rotateLeft(h, 17) * P4;
        }
        for (; p < end; p++) {
            h += (s.get(ValueLayout.JAVA_BYTE, p) & 0xFF) * P5;
            h = Integer.rotateLeft(h, 11) * P1;
        }
        h ^= h >>> 15;
        h *= P2;
        h ^= h >>> 13;
        h *= P3;
        h ^= h >>> 16;
        return h;
    }

    private static int round(int acc, int lane) {
        return Integer.rotateLeft(acc + lane * P2, 13) * P1;
    }
}
