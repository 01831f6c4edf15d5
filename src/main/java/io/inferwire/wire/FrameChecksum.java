package io.inferwire.wire;

/**
 * The frame checksum: xxHash32 of the decoded payload, seeded with a hash of the
 * frame's identity and meaning (stream id, seq, kind, error bound, shape). A flipped
 * bit in the payload or in any of those fields fails the check, so a damaged frame
 * can never pass as another frame of the stream. The seed is
 * {@code fold(h)}, where {@code h} starts at {@code streamId * K1} and takes in each
 * further field {@code v} (the raw IEEE-754 bits for the error bound, the unsigned
 * 32-bit value for a dimension) as {@code h = (h ^ v) * K2}, with
 * {@code K1 = 0x9E3779B97F4A7C15}, {@code K2 = 0xC2B2AE3D27D4EB4F} and
 * {@code fold(h) = (int) (h ^ (h >>> 32))}. A tensor frame's transform (when not zero)
 * is taken in after the shape the same way.
 */
public final class FrameChecksum {

    private static final long K1 = 0x9E3779B97F4A7C15L;
    private static final long K2 = 0xC2B2AE3D27D4EB4FL;

    private FrameChecksum() {}

    /** The seed for a frame with these header fields. */
    public static int seed(long streamId, long seq, int kind, double errorBound, int[] shape) {
        return seed(streamId, seq, kind, errorBound, shape, 0);
    }

    /** The seed for a tensor frame with these header fields. */
    public static int seed(long streamId, long seq, int kind, double errorBound, int[] shape, int transform) {
        long h = start(streamId, seq, kind, errorBound, shape.length);
        for (int d : shape) {
            h = (h ^ Integer.toUnsignedLong(d)) * K2;
        }
        return fold(h, transform);
    }

    /** The seed for the frame a view is on. */
    public static int seed(FrameView f) {
        long h = start(f.streamId(), f.seq(), f.kindNumber(), f.errorBound(), f.rank());
        for (int i = 0; i < f.rank(); i++) {
            h = (h ^ f.dim(i)) * K2;
        }
        return fold(h, f.transformNumber());
    }

    private static int fold(long h, int transform) {
        long t = Integer.toUnsignedLong(transform);
        if (t != 0) {
            h = (h ^ t) * K2;
        }
        return (int) (h ^ (h >>> 32));
    }

    private static long start(long streamId, long seq, int kind, double errorBound, int rank) {
        long h = streamId * K1;
        h = (h ^ seq) * K2;
        h = (h ^ kind) * K2;
        h = (h ^ Double.doubleToRawLongBits(errorBound)) * K2;
        return (h ^ rank) * K2;
    }
}
