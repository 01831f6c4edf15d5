package io.inferwire.transport.internal;

import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.proto.v1.StreamKind;
import io.inferwire.tokens.TokenStep;
import io.inferwire.transport.HistoryLimits;

/** The history of a token stream: the steps themselves (small heap objects), in a ring. */
public final class TokenLog extends StreamLog {

    private final TokenStep[] ring;
    private final long[] sizes;

    public TokenLog(long streamId, StreamHeader header, HistoryLimits limits) {
        super(streamId, header, limits);
        this.ring = new TokenStep[limits.maxItems()];
        this.sizes = new long[limits.maxItems()];
    }

    @Override
    public StreamKind kind() {
        return StreamKind.STREAM_KIND_TOKENS;
    }

    /** Appends a step, evicting the oldest beyond the limits, and wakes the calls. */
    public long publish(TokenStep step) {
        long size = size(step);
        long index;
        synchronized (lock) {
            checkOpen();
            while (next > first && (next - first >= ring.length || bytes + size > limits.maxBytes())) {
                int slot = (int) (first % ring.length);
                bytes -= sizes[slot];
                ring[slot] = null;
                first++;
            }
            index = next;
            int slot = (int) (index % ring.length);
            ring[slot] = step;
            sizes[slot] = size;
            bytes += size;
            lastSize = size;
            next++;
        }
        wake();
        return index;
    }

    private long lastSize = HistoryLimits.STEP_OVERHEAD;

    @Override
    protected boolean full() {
        return next - first >= ring.length || bytes + lastSize > limits.maxBytes();
    }

    /** The step at {@code index}, when {@link #at} says it is held; call under the lock. */
    TokenStep get(long index) {
        return ring[(int) (index % ring.length)];
    }

    static long size(TokenStep s) {
        long n = HistoryLimits.STEP_OVERHEAD
                + s.text().length
                + 4L * s.tokenIds().length
                + 4L * s.logprobs().length
                + 8L * s.topLogprobs().size();
        if (s.finishReason() != null) {
            n += s.finishReason().length();
        }
        if (s.revision() != null) {
            n += 8 + s.revision().text().length;
        }
        if (s.extra() != null) {
            n += s.extra().length;
        }
        return n;
    }
}
