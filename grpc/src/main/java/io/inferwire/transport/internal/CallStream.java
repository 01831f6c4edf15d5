package io.inferwire.transport.internal;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.tokens.TokenEncoder;
import io.inferwire.tokens.TokenStep;
import io.inferwire.transform.TensorCodec;
import io.inferwire.transform.TensorEncoder;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * One call reading one published stream: it encodes items with its own encoder (its
 * own profile) only while the transport is ready ({@code isReady}), so a slow client
 * holds nothing on the server beyond the stream's bounded history and what grpc-java
 * buffers before {@code isReady} turns false (its on-ready threshold, 32 KiB by default,
 * plus one message).
 *
 * <p>All work runs in {@link #drain()}, serialized by a work-in-progress counter on the
 * service's executor; the publisher, {@code onReady}, cancellation and session controls
 * only {@link #signal()}.
 */
public final class CallStream implements Runnable {

    /** StreamHeader metadata: index of the call's first item. */
    public static final String FIRST_KEY = "inferwire.grpc.first";
    /** StreamHeader metadata: the profile in effect. */
    public static final String PROFILE_KEY = "inferwire.grpc.profile";
    /** StreamHeader metadata: the tensor shape, dimensions separated by commas. */
    public static final String SHAPE_KEY = "inferwire.grpc.shape";

    private static final int SCRATCH = 8192;

    private final StreamLog log;
    private final ServerCallStreamObserver<OutgoingFrame> out;
    private final Executor executor;
    private final boolean allowGap;
    private final AtomicInteger wip = new AtomicInteger();
    private final AtomicLong framesSent;
    private final byte[] scratch = new byte[SCRATCH];

    private Selection selection;
    private volatile long cursor;
    private Arena arena;
    private TokenEncoder tokens;
    private TensorEncoder tensors;
    private MemorySegment row;
    private boolean headerSent;
    private volatile boolean done;

    private volatile boolean cancelled;
    private volatile boolean keyRequested;
    private volatile Selection pending;
    private volatile Status abort;

    public CallStream(
            StreamLog log,
            ServerCallStreamObserver<OutgoingFrame> out,
            Executor executor,
            Selection selection,
            long cursor,
            boolean allowGap,
            AtomicLong framesSent) {
        this.log = log;
        this.out = out;
        this.executor = executor;
        this.selection = selection;
        this.cursor = cursor;
        this.allowGap = allowGap;
        this.framesSent = framesSent;
    }

    /**
     * Starts the call. With {@code hook}, it sets the observer's onReady and onCancel
     * handlers, which grpc-java allows only on the handler's thread before it returns;
     * without, the caller (a Session, which starts its call later) relays them to
     * {@link #signal()} and {@link #cancel()}.
     */
    public void start(boolean hook) {
        if (hook) {
            out.setOnReadyHandler(this::signal);
            out.setOnCancelHandler(this::cancel);
        }
        log.attach(this);
        signal();
    }

    /** The client cancelled (or the deadline passed): stop and free the buffers. */
    public void cancel() {
        cancelled = true;
        signal();
    }

    /** Asks for a sync point at the next item. */
    public void requestKey() {
        keyRequested = true;
        signal();
    }

    /** Switches profile at the next item (a fresh HEADER frame, a sync point). */
    public void changeSelection(Selection s) {
        pending = s;
        signal();
    }

    /** Ends the call with {@code status} at the next chance. */
    public void abort(Status status) {
        abort = status;
        signal();
    }

    public void signal() {
        if (wip.getAndIncrement() == 0) {
            try {
                executor.execute(this);
            } catch (RejectedExecutionException e) {
                run(); // the service is closing: finish the call here
            }
        }
    }

    @Override
    public void run() {
        int missed = 1;
        do {
            drain();
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    private void drain() {
        if (done) {
            return;
        }
        if (cancelled) {
            close();
            return;
        }
        if (abort != null) {
            fail(abort);
            return;
        }
        try {
            Selection s = pending;
            if (s != null) {
                pending = null;
                selection = s;
                headerSent = false;
            }
            while (!done && out.isReady()) {
                if (!headerSent) {
                    sendHeader();
                    continue;
                }
                TokenStep step = null;
                boolean haveRow = false;
                StreamLog.At at;
                synchronized (log.lock) {
                    at = log.at(cursor);
                    if (at == StreamLog.At.HELD) {
                        if (log instanceof TokenLog t) {
                            step = t.get(cursor);
                        } else {
                            ((TensorLog) log).copy(cursor, row);
                            haveRow = true;
                        }
                    } else if (at == StreamLog.At.EVICTED) {
                        if (allowGap) {
                            cursor = log.first;
                            headerSent = false;
                            continue;
                        }
                        String why = "stream " + log.streamId() + ": the client fell behind; item " + cursor
                                + " is no longer held (" + log.describe() + "); resume with allow_gap to skip ahead";
                        fail(Status.RESOURCE_EXHAUSTED.withDescription(why));
                        return;
                    }
                }
                switch (at) {
                    case HELD -> {
                        if (keyRequested) {
                            keyRequested = false;
                            if (tokens != null) {
                                tokens.sync();
                            } else {
                                tensors.requestKey();
                            }
                        }
                        if (step != null) {
                            tokens.encode(selection.apply(step));
                            send(tokens.buffer(), tokens.frameOffset(), tokens.frameLength(), false);
                        } else if (haveRow) {
                            tensors.encode(row, 0);
                            send(tensors.buffer(), tensors.frameOffset(), tensors.frameLength(), false);
                        }
                        cursor++;
                        log.advanced();
                    }
                    case END -> {
                        if (tokens != null) {
                            tokens.end();
                            send(tokens.buffer(), tokens.frameOffset(), tokens.frameLength(), false);
                        } else {
                            tensors.end();
                            send(tensors.buffer(), tensors.frameOffset(), tensors.frameLength(), false);
                        }
                        close();
                        out.onCompleted();
                        return;
                    }
                    case NOT_YET -> {
                        return;
                    }
                    case EVICTED -> throw new AssertionError("handled above");
                }
            }
        } catch (StatusRuntimeException e) {
            fail(e.getStatus());
        } catch (RuntimeException e) {
            fail(Status.INTERNAL
                    .withDescription("stream " + log.streamId() + ": " + e)
                    .withCause(e));
        }
    }

    private void sendHeader() {
        if (arena != null) {
            arena.close();
        }
        arena = Arena.ofShared();
        StreamHeader.Builder h = log.header().toBuilder()
                .putMetadata(FIRST_KEY, Long.toString(cursor))
                .putMetadata(PROFILE_KEY, selection.profile());
        if (log instanceof TensorLog t) {
            h.putMetadata(
                    SHAPE_KEY,
                    Arrays.stream(t.shape()).mapToObj(Integer::toString).collect(Collectors.joining(",")));
            TensorCodec.Builder b = TensorCodec.builder().shape(t.shape()).streamId(log.streamId());
            if (selection.tensorBound() > 0) {
                b.errorBound(selection.tensorBound());
            } else {
                b.lossless();
            }
            tokens = null;
            tensors = b.build().newEncoder(arena);
            row = arena.allocate(4L * t.values(), 64);
            tensors.header(h.build());
            send(tensors.buffer(), tensors.frameOffset(), tensors.frameLength(), true);
        } else {
            tensors = null;
            tokens = TokenEncoder.builder()
                    .streamId(log.streamId())
                    .errorBound(selection.logprobBound())
                    .build(arena);
            tokens.start(h.build());
            send(tokens.buffer(), tokens.frameOffset(), tokens.frameLength(), true);
        }
        keyRequested = false;
        headerSent = true;
    }

    /**
     * HEADER frames at least this long may be compressed by the call's message encoding;
     * shorter ones would grow by the LZ4 frame's 15-19 bytes (measured: 64 HEADERs of
     * ~80 B cost 3 B each more with lz4). Every other frame is already compressed by the
     * codec and always goes out with message compression off.
     */
    static final int COMPRESS_HEADER_FROM = 512;

    private void send(MemorySegment buffer, long offset, int length, boolean header) {
        boolean compressible = header && length >= COMPRESS_HEADER_FROM;
        int prefix = 1;
        while (buffer.get(ValueLayout.JAVA_BYTE, offset + prefix - 1) < 0) {
            prefix++;
        }
        OutgoingFrame m = new OutgoingFrame(buffer, offset + prefix, length - prefix, scratch);
        out.setMessageCompression(compressible);
        out.onNext(m);
        m.detach();
        framesSent.incrementAndGet();
    }

    private void fail(Status status) {
        boolean tell = !done && !cancelled;
        // Free first: a client that sees the status finds the call gone from the stream.
        close();
        if (tell) {
            try {
                out.onError(status.asRuntimeException());
            } catch (RuntimeException ignored) {
                // the call is already closed; nothing left to tell the client
            }
        }
    }

    private void close() {
        if (done) {
            return;
        }
        done = true;
        log.detach(this);
        if (arena != null) {
            arena.close();
            arena = null;
        }
    }

    /** The index of the next item this call sends. */
    long cursor() {
        return cursor;
    }

    /** Whether the call has ended (completed, failed or cancelled) and freed its buffers. */
    public boolean done() {
        return done;
    }
}
