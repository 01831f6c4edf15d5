package io.inferwire.transport;

import io.inferwire.transport.internal.TensorLog;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

/**
 * Where the inference runtime pushes the rows of one tensor stream (embeddings, logits),
 * from {@link StreamService#openTensors}. {@link #publish} copies the row into the
 * stream's off-heap history ring (allocated once, see {@link HistoryLimits}) and returns
 * at once; the caller's segment is free again when it returns. Calls encode rows, with
 * their own profile, from the ring when their client is ready. Thread-safe.
 */
public final class TensorPublisher {

    private final TensorLog log;

    TensorPublisher(TensorLog log) {
        this.log = log;
    }

    /**
     * Publishes the next row: {@link #values()} float32 values, little-endian, at
     * {@code [offset, offset + 4 * values)} of {@code row} (any segment: native, mapped or
     * heap).
     *
     * @return the row's index
     * @throws IndexOutOfBoundsException if the range is outside the segment
     * @throws IllegalStateException after {@link #finish()} or once the stream was removed
     */
    public long publish(MemorySegment row, long offset) {
        return log.publish(row, offset);
    }

    /** Publishes the next row from a float array of {@link #values()} values (native byte order: little-endian on x86 and ARM). */
    public long publish(float[] row) {
        if (row.length != log.values()) {
            throw new IllegalArgumentException("a row has " + log.values() + " values, was " + row.length);
        }
        return log.publish(MemorySegment.ofArray(row), 0);
    }

    /**
     * Backpressure for a runtime that would rather slow down than lose a slow client:
     * waits until the next {@link #publish} drops no row that a live call has yet to send
     * (the history has room, or every call is past the oldest row held), at most
     * {@code timeout}. A client that never reads still costs only the wait: after the
     * timeout, publishing goes on and that client falls behind the history.
     *
     * @return false if the timeout ran out first
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    public boolean awaitRoom(Duration timeout) throws InterruptedException {
        return log.awaitRoom(timeout.toNanos());
    }

    /** Ends the stream: calls send END after its last row. */
    public void finish() {
        log.finish();
    }

    /** The stream id. */
    public long streamId() {
        return log.streamId();
    }

    /** Values per row. */
    public int values() {
        return log.values();
    }

    /** Rows published so far. */
    public long published() {
        return log.next();
    }

    /** Rows held in the history now. */
    public long held() {
        return log.held();
    }

    /** Bytes held in the history now. */
    public long heldBytes() {
        return log.heldBytes();
    }

    /** Calls reading the stream now. */
    public int calls() {
        return log.calls();
    }
}
