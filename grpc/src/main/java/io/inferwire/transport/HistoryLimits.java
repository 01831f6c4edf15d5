package io.inferwire.transport;

/**
 * How much of a published stream the server keeps for clients that are behind or that
 * resume after a disconnect: at most {@code maxItems} items (token steps, tensor rows)
 * and at most {@code maxBytes} bytes of them, the oldest dropped first. Bytes count the
 * items' contents: a tensor row is 4 bytes per value (held off-heap); a token step is
 * its text, 4 bytes per token id and logprob, 8 per top-k pair, its finish reason,
 * revision and extra bytes, plus {@value #STEP_OVERHEAD} bytes for the objects. The
 * newest item is always held, even when it alone is larger.
 *
 * @param maxItems the most items held, at least 1
 * @param maxBytes the most bytes held, at least 1
 */
public record HistoryLimits(int maxItems, long maxBytes) {

    /** Bytes counted per token step on top of its contents. */
    public static final int STEP_OVERHEAD = 64;

    /** Validates the limits. */
    public HistoryLimits {
        if (maxItems < 1) {
            throw new IllegalArgumentException("maxItems must be >= 1, was " + maxItems);
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be >= 1, was " + maxBytes);
        }
    }

    /** 4096 items, 16 MiB. */
    public static HistoryLimits defaults() {
        return new HistoryLimits(4096, 16L << 20);
    }
}
