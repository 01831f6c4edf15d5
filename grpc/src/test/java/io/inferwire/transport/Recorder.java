package io.inferwire.transport;

import io.grpc.Status;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.tokens.TokenStep;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;

/** A listener that keeps what it gets; optionally cancels itself at an item index. */
final class Recorder implements StreamListener {

    final List<Long> indexes = new ArrayList<>();
    final List<TokenStep> steps = new ArrayList<>();
    final List<float[]> rows = new ArrayList<>();
    final List<StreamHeader> headers = new ArrayList<>();
    final List<Long> firsts = new ArrayList<>();
    final CompletableFuture<Status> closed = new CompletableFuture<>();
    volatile boolean ended;
    volatile Subscription subscription;
    LongPredicate cancelAfter = i -> false;
    Runnable onItem = () -> {};

    @Override
    public void onSubscribe(Subscription s) {
        subscription = s;
    }

    @Override
    public void onHeader(StreamHeader header, long first) {
        headers.add(header);
        firsts.add(first);
    }

    @Override
    public void onStep(long index, TokenStep step) {
        indexes.add(index);
        steps.add(step);
        after(index);
    }

    @Override
    public void onRow(long index, MemorySegment row, int values) {
        indexes.add(index);
        rows.add(row.asSlice(0, 4L * values).toArray(ValueLayout.JAVA_FLOAT));
        after(index);
    }

    private void after(long index) {
        onItem.run();
        if (cancelAfter.test(index)) {
            subscription.cancel("test cut after item " + index);
        }
    }

    @Override
    public void onEnd() {
        ended = true;
    }

    @Override
    public void onClose(Status status) {
        closed.complete(status);
    }

    Status await() throws Exception {
        return closed.get(60, TimeUnit.SECONDS);
    }
}
