package io.inferwire.wire;

/**
 * Limits and checks of a {@link FrameStreamReader}.
 *
 * @param maxFrameBytes the largest decoded payload (and stored payload) accepted;
 *     larger declared sizes fail before anything is allocated
 * @param maxStreams the most streams open (seen, without their END yet) at once; ended
 *     streams are forgotten when the table fills, so a frame for one of those reads as
 *     the start of a new stream
 * @param requireStreamStart whether the first frame of every stream must have seq 0
 *     (false for readers that join a stream in the middle, such as a resumed one)
 * @param requireChecksum whether a frame without a checksum is rejected (a damaged
 *     header can hide the checksum field; turn off only for writers that omit it)
 */
public record ReaderOptions(int maxFrameBytes, int maxStreams, boolean requireStreamStart, boolean requireChecksum) {

    /** Validates the options. */
    public ReaderOptions {
        if (maxFrameBytes < 0 || maxFrameBytes > (1 << 30)) {
            throw new IllegalArgumentException("maxFrameBytes must be 0 to 1 GiB, was " + maxFrameBytes);
        }
        if (maxStreams < 1 || maxStreams > (1 << 20)) {
            throw new IllegalArgumentException("maxStreams must be 1 to 2^20, was " + maxStreams);
        }
    }

    /** 64 MiB frames, 4096 streams, streams start at seq 0, checksums required. */
    public static ReaderOptions defaults() {
        return new ReaderOptions(64 << 20, 4096, true, true);
    }

    /** These options with another frame size limit. */
    public ReaderOptions withMaxFrameBytes(int bytes) {
        return new ReaderOptions(bytes, maxStreams, requireStreamStart, requireChecksum);
    }

    /** These options with another stream count limit. */
    public ReaderOptions withMaxStreams(int n) {
        return new ReaderOptions(maxFrameBytes, n, requireStreamStart, requireChecksum);
    }

    /** These options with the stream-start check on or off. */
    public ReaderOptions withRequireStreamStart(boolean on) {
        return new ReaderOptions(maxFrameBytes, maxStreams, on, requireChecksum);
    }

    /** These options with the checksum requirement on or off. */
    public ReaderOptions withRequireChecksum(boolean on) {
        return new ReaderOptions(maxFrameBytes, maxStreams, requireStreamStart, on);
    }
}
