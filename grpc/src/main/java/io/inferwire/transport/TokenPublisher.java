package io.inferwire.transport;

import io.inferwire.tokens.TokenStep;
import io.inferwire.transport.internal.TokenLog;
import java.time.Duration;

/**
 * Where the inference runtime pushes the steps of one token stream, from
 * {@link StreamService#openTokens}. {@link #publish} never blocks and never waits for a
 * client: the step goes into the stream's bounded history (see {@link HistoryLimits})
 * and each call encodes it, with its own profile, when its client is ready for it.
 * Thread-safe; steps are numbered 0, 1, 2, ... in the order they are published.
 */
public final class TokenPublisher {

    private final TokenLog log;

    TokenPublisher(TokenLog log) {
        this.log = log;
    }

    /**
     * Publishes the next step. The step is kept (not copied) until evicted from the
     * history: do not change its arrays afterwards.
     *
     * @return the step's index
     * @throws IllegalStateException after {@link #finish()}
     */
    public long publish(TokenStep step) {
        return log.publish(step);
    }

    /**
     * Backpressure for a runtime that would rather slow down than lose a slow client:
     * waits until the next {@link #publish} drops no step that a live call has yet to send
     * (the history has room, or every call is past the oldest step held), at most
     * {@code timeout}. A client that never reads still costs only the wait: after the
     * timeout, publishing goes on and that client falls behind the history.
     *
     * @return false if the timeout ran out first
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    public boolean awaitRoom(Duration timeout) throws InterruptedException {
        return log.awaitRoom(timeout.toNanos());
    }

    /** Ends the stream: calls send END after its last step. */
    public void finish() {
        log.finish();
    }

    /** The stream id. */
    public long streamId() {
        return log.streamId();
    }

    /** Steps published so far. */
    public long published() {
        return log.next();
    }

    /** Steps held in the history now. */
    public long held() {
        return log.held();
    }

    /** Bytes held in the history now (as {@link HistoryLimits} counts them). */
    public long heldBytes() {
        return log.heldBytes();
    }

    /** Calls reading the stream now. */
    public int calls() {
        return log.calls();
    }
}
