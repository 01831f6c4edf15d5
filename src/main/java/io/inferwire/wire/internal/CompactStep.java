package io.inferwire.wire.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The packing of a range-coder unit into a compact step frame's {@code step_bits}
 * varint: unit byte i, bit-reversed, becomes bits 8i..8i+7 of the value. A range coder
 * ends its unit with the zero bits its flush did not need; reversed, they become the
 * value's leading zeros, which a varint does not store. So a unit of b significant
 * bits costs ceil(b / 7) varint bytes.
 */
public final class CompactStep {

    private CompactStep() {}

    /**
     * Whether {@code unit[offset, offset + length)} packs into {@code step_bits} without
     * loss: at most 8 bytes, the last one non-zero (its length is then recoverable).
     */
    public static boolean packs(MemorySegment unit, long offset, long length) {
        return length == 0 || (length <= 8 && unit.get(ValueLayout.JAVA_BYTE, offset + length - 1) != 0);
    }

    /** The {@code step_bits} value of a unit for which {@link #packs} holds. */
    public static long pack(MemorySegment unit, long offset, long length) {
        long v = 0;
        for (int i = 0; i < length; i++) {
            int b = unit.get(ValueLayout.JAVA_BYTE, offset + i) & 0xFF;
            v |= (long) (Integer.reverse(b) >>> 24) << (8 * i);
        }
        return v;
    }

    /** Writes the unit packed in {@code bits} to {@code out[offset..]}; returns its length (0 to 8). */
    public static int unpack(long bits, MemorySegment out, long offset) {
        int n = 0;
        for (int i = 0; i < 8; i++) {
            int b = Integer.reverse((int) (bits >>> (8 * i)) & 0xFF) >>> 24;
            out.set(ValueLayout.JAVA_BYTE, offset + i, (byte) b);
            if (b != 0) {
                n = i + 1;
            }
        }
        return n;
    }
}
