package io.inferwire.transport.internal;

import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.proto.v1.StreamKind;
import io.inferwire.transport.HistoryLimits;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The bounded history of one published stream and the calls that read it. Items are
 * numbered from 0; the log holds {@code [first, next)}. The publisher appends (evicting
 * the oldest items beyond the limits) and wakes the calls; each call reads at its own
 * cursor, under the log's lock, so a publisher never waits for a client.
 */
public abstract sealed class StreamLog permits TokenLog, TensorLog {

    protected final Object lock = new Object();
    private final long streamId;
    private final StreamHeader header;
    protected final HistoryLimits limits;
    private final CopyOnWriteArrayList<CallStream> calls = new CopyOnWriteArrayList<>();

    protected long first;
    protected long next;
    protected long bytes;
    private boolean finished;

    StreamLog(long streamId, StreamHeader header, HistoryLimits limits) {
        this.streamId = streamId;
        this.header = header;
        this.limits = limits;
    }

    public long streamId() {
        return streamId;
    }

    public StreamHeader header() {
        return header;
    }

    public abstract StreamKind kind();

    public HistoryLimits limits() {
        return limits;
    }

    /** Marks the stream complete: calls send END after the last item. */
    public void finish() {
        synchronized (lock) {
            finished = true;
        }
        wake();
    }

    public boolean finished() {
        synchronized (lock) {
            return finished;
        }
    }

    protected void checkOpen() {
        if (finished) {
            throw new IllegalStateException("stream " + streamId + " is finished");
        }
    }

    /** Index of the oldest item held. */
    public long first() {
        synchronized (lock) {
            return first;
        }
    }

    /** Number of items published so far (the index of the next one). */
    public long next() {
        synchronized (lock) {
            return next;
        }
    }

    /** Items held now. */
    public long held() {
        synchronized (lock) {
            return next - first;
        }
    }

    /** Bytes held now (as {@link HistoryLimits} counts them). */
    public long heldBytes() {
        synchronized (lock) {
            return bytes;
        }
    }

    /** Where a cursor stands: the item is held, not yet published, or already evicted. */
    enum At {
        HELD,
        NOT_YET,
        EVICTED,
        END
    }

    At at(long index) {
        if (index < first) {
            return At.EVICTED;
        }
        if (index >= next) {
            return finished ? At.END : At.NOT_YET;
        }
        return At.HELD;
    }

    void attach(CallStream call) {
        calls.add(call);
    }

    void detach(CallStream call) {
        calls.remove(call);
        advanced();
    }

    private int waiters;

    /** A call moved on (or left): wake publishers waiting in {@link #awaitRoom}. */
    void advanced() {
        synchronized (lock) {
            if (waiters > 0) {
                lock.notifyAll();
            }
        }
    }

    /** Whether one more item would make the log drop its oldest one. Under the lock. */
    protected abstract boolean full();

    /**
     * Waits until publishing one more item drops no item that a live call has yet to
     * send: the history has room, or every live call is past the oldest item held.
     *
     * @return false if the time ran out first
     */
    public boolean awaitRoom(long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        synchronized (lock) {
            waiters++;
            try {
                while (!finished && full() && slowest() <= first) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(lock, left);
                }
                return true;
            } finally {
                waiters--;
            }
        }
    }

    private long slowest() {
        long min = Long.MAX_VALUE;
        for (CallStream c : calls) {
            if (!c.done()) {
                min = Math.min(min, c.cursor());
            }
        }
        return min;
    }

    /** Live calls reading this stream. */
    public int calls() {
        return calls.size();
    }

    protected void wake() {
        for (CallStream c : calls) {
            c.signal();
        }
    }

    /** Frees what the log holds off-heap; calls still reading it fail. */
    public void close() {
        for (CallStream c : calls) {
            c.abort(io.grpc.Status.ABORTED.withDescription("stream " + streamId + " was removed by the server"));
        }
    }

    String describe() {
        return "history holds items " + first + ".." + (next - 1) + ", bounded to " + limits.maxItems() + " items and "
                + limits.maxBytes() + " bytes";
    }
}
