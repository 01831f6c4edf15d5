package io.inferwire.memory.internal;

import java.lang.foreign.MemorySegment;

/** Range checks for caller-supplied offsets and lengths (programming errors, not bad input). */
public final class Checks {

    private Checks() {}

    /** Throws IndexOutOfBoundsException unless {@code [offset, offset + length)} lies in the segment. */
    public static void checkRange(MemorySegment segment, long offset, long length) {
        if (offset < 0 || length < 0 || offset > segment.byteSize() - length) {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + offset + " + " + length
                    + ") outside a segment of " + segment.byteSize() + " bytes");
        }
    }

    /** Throws IllegalArgumentException unless {@code 0 <= length <= Integer.MAX_VALUE}. */
    public static int checkIntLength(long length, String what) {
        if (length < 0 || length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    what + " must be between 0 and " + Integer.MAX_VALUE + ", was " + length);
        }
        return (int) length;
    }
}
