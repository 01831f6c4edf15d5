package io.inferwire.transport;

import io.grpc.Status;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.tokens.TokenStep;
import java.lang.foreign.MemorySegment;

/**
 * Receives one call's decoded stream from a {@link StreamClient}. Callbacks come one at
 * a time, in order, on a gRPC thread; they should return quickly (with manual flow
 * control, request more through the {@link Subscription} when done).
 */
public interface StreamListener {

    /**
     * The call's subscription, before anything else arrives (items may arrive before
     * the {@link StreamClient} method that started the call returns it).
     */
    default void onSubscribe(Subscription subscription) {}

    /**
     * A HEADER frame: the (re)start of the call's stream. {@code first} is the index of
     * the item that comes next. A Session sends another one after a profile change.
     */
    default void onHeader(StreamHeader header, long first) {}

    /** A token step, with its index in the published stream. */
    default void onStep(long index, TokenStep step) {}

    /**
     * A tensor row, with its index in the published stream: {@code values} float32 values
     * at offset 0 of {@code row}, valid only during the callback (the client's off-heap
     * buffer, reused for the next row).
     */
    default void onRow(long index, MemorySegment row, int values) {}

    /** The END frame: the stream is complete. {@link #onClose} follows with OK. */
    default void onEnd() {}

    /**
     * The call is over: OK after END, else why (DATA_LOSS when a frame failed to decode
     * here, UNKNOWN when a callback of this listener threw; the server's status
     * otherwise). Resume with {@link Subscription#lastIndex()}.
     */
    void onClose(Status status);
}
