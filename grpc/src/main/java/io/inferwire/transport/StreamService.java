package io.inferwire.transport;

import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.inferwire.proto.v1.SessionControl;
import io.inferwire.proto.v1.SessionMessage;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.proto.v1.StreamKind;
import io.inferwire.proto.v1.StreamRequest;
import io.inferwire.proto.v1.StreamServiceGrpc;
import io.inferwire.transport.internal.CallStream;
import io.inferwire.transport.internal.OutgoingFrame;
import io.inferwire.transport.internal.Selection;
import io.inferwire.transport.internal.StreamLog;
import io.inferwire.transport.internal.TensorLog;
import io.inferwire.transport.internal.TokenLog;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@code inferwire.v1.StreamService} that an inference server embeds: the
 * application opens streams ({@link #openTokens}, {@link #openTensors}) and publishes
 * into them; clients read them with {@code Generate}, {@code Tensors} or {@code Session}
 * (see {@code proto/inferwire/v1/stream_service.proto}).
 *
 * <pre>{@code
 * StreamService service = StreamService.builder().build();
 * Server server = NettyServerBuilder.forPort(port)
 *         .addService(service)
 *         .compressorRegistry(Lz4Codec.compressorRegistry())
 *         .decompressorRegistry(Lz4Codec.decompressorRegistry())
 *         .build().start();
 * TokenPublisher out = service.openTokens(7, StreamHeader.newBuilder().setModel("m").build());
 * out.publish(step); ... out.finish();
 * }</pre>
 *
 * <p>Each call encodes with its own encoder and profile, only while its transport is
 * ready, from the stream's bounded history ({@link HistoryLimits}); a client that falls
 * behind the history gets RESOURCE_EXHAUSTED (or skips ahead if it asked for
 * {@code allow_gap}), and the server never holds more for it. The service answers in the
 * message encoding the client used for its request ({@code grpc-encoding}: lz4, gzip or
 * none), with compression off for frames the codec already compressed.
 *
 * <p>Status codes: an unknown stream is NOT_FOUND; a bad request (wrong kind of stream,
 * unknown profile or field mask path, bad top_k or error bound, resume_after beyond the
 * items published, a Session without its request first) is INVALID_ARGUMENT; a resume
 * point no longer held is OUT_OF_RANGE; deadlines and cancellation end the call (the
 * client sees DEADLINE_EXCEEDED or CANCELLED) and free its buffers at once; a removed
 * stream ends its calls with ABORTED. Streams stay until {@link #remove}d.
 */
public final class StreamService implements BindableService, AutoCloseable {

    /** The request header naming a profile (the seed's Accept-Profile). */
    public static final Metadata.Key<String> ACCEPT_PROFILE =
            Metadata.Key.of("accept-profile", Metadata.ASCII_STRING_MARSHALLER);

    private static final Metadata.Key<String> MESSAGE_ENCODING =
            Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<String> HEADER_PROFILE = Context.key("inferwire-accept-profile");

    static final MethodDescriptor<StreamRequest, OutgoingFrame> GENERATE =
            StreamServiceGrpc.getGenerateMethod().toBuilder(
                            ProtoUtils.marshaller(StreamRequest.getDefaultInstance()), OutgoingFrame.MARSHALLER)
                    .build();
    static final MethodDescriptor<StreamRequest, OutgoingFrame> TENSORS =
            StreamServiceGrpc.getTensorsMethod().toBuilder(
                            ProtoUtils.marshaller(StreamRequest.getDefaultInstance()), OutgoingFrame.MARSHALLER)
                    .build();
    static final MethodDescriptor<SessionMessage, OutgoingFrame> SESSION =
            StreamServiceGrpc.getSessionMethod().toBuilder(
                            ProtoUtils.marshaller(SessionMessage.getDefaultInstance()), OutgoingFrame.MARSHALLER)
                    .build();

    private final Map<Long, StreamLog> streams = new ConcurrentHashMap<>();
    private final Map<String, Profile> profiles;
    private final Profile defaultProfile;
    private final HistoryLimits limits;
    private final Executor executor;
    private final ExecutorService ownExecutor;
    private final AtomicLong framesSent = new AtomicLong();

    private StreamService(Builder b) {
        this.profiles = Map.copyOf(b.profiles);
        this.defaultProfile = profiles.get(b.defaultProfile);
        if (defaultProfile == null) {
            throw new IllegalArgumentException("default profile '" + b.defaultProfile + "' is not defined");
        }
        this.limits = b.limits;
        this.ownExecutor = b.executor == null ? Executors.newVirtualThreadPerTaskExecutor() : null;
        this.executor = b.executor == null ? ownExecutor : b.executor;
    }

    /** A builder with the built-in profiles (full, text, top3, e1e-3), default "full", default limits. */
    public static Builder builder() {
        return new Builder();
    }

    /** Configures a {@link StreamService}. */
    public static final class Builder {
        private final Map<String, Profile> profiles = new LinkedHashMap<>();
        private String defaultProfile = Profile.FULL.name();
        private HistoryLimits limits = HistoryLimits.defaults();
        private Executor executor;

        private Builder() {
            for (Profile p : new Profile[] {Profile.FULL, Profile.TEXT, Profile.TOP3, Profile.BOUND_1E3}) {
                profiles.put(p.name(), p);
            }
        }

        /** Adds (or replaces) a profile. */
        public Builder profile(Profile p) {
            profiles.put(p.name(), p);
            return this;
        }

        /** The profile of requests that name none. */
        public Builder defaultProfile(String name) {
            this.defaultProfile = name;
            return this;
        }

        /**
         * Where calls encode and send (each call's work serialized). Default: a virtual
         * thread per task, owned and shut down by the service. {@code Runnable::run} runs
         * it on the thread that woke the call — the publisher's, gRPC's onReady — which
         * saves a thread hop per item; publish then costs the encoding of the item for
         * every call that is ready for it (never a wait for a client).
         */
        public Builder executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        /** The history each stream keeps. */
        public Builder historyLimits(HistoryLimits limits) {
            this.limits = limits;
            return this;
        }

        public StreamService build() {
            return new StreamService(this);
        }
    }

    /**
     * Opens a token stream.
     *
     * @throws IllegalStateException if the id is taken
     */
    public TokenPublisher openTokens(long streamId, StreamHeader header) {
        TokenLog log = new TokenLog(streamId, header, limits);
        register(log);
        return new TokenPublisher(log);
    }

    /**
     * Opens a tensor stream of rows of the given shape; its history ring is allocated
     * off-heap now and freed by {@link #remove}.
     *
     * @throws IllegalStateException if the id is taken
     */
    public TensorPublisher openTensors(long streamId, StreamHeader header, int... shape) {
        TensorLog log = new TensorLog(streamId, header, limits, shape);
        try {
            register(log);
        } catch (IllegalStateException e) {
            log.close();
            throw e;
        }
        return new TensorPublisher(log);
    }

    private void register(StreamLog log) {
        if (streams.putIfAbsent(log.streamId(), log) != null) {
            throw new IllegalStateException("stream " + log.streamId() + " is already open");
        }
    }

    /** Forgets a stream and frees its history; calls still reading it end with ABORTED. */
    public void remove(long streamId) {
        StreamLog log = streams.remove(streamId);
        if (log != null) {
            log.close();
        }
    }

    /** Frames sent by all calls so far. */
    public long framesSent() {
        return framesSent.get();
    }

    /** Calls reading any stream now. */
    public int liveCalls() {
        int n = 0;
        for (StreamLog l : streams.values()) {
            n += l.calls();
        }
        return n;
    }

    /** Removes every stream and stops the executor that runs the calls. */
    @Override
    public void close() {
        for (Long id : streams.keySet()) {
            remove(id);
        }
        if (ownExecutor != null) {
            ownExecutor.shutdown();
        }
    }

    @Override
    public ServerServiceDefinition bindService() {
        ServerServiceDefinition def = ServerServiceDefinition.builder(StreamServiceGrpc.SERVICE_NAME)
                .addMethod(
                        GENERATE,
                        ServerCalls.asyncServerStreamingCall(
                                (req, obs) -> open(req, StreamKind.STREAM_KIND_TOKENS, obs)))
                .addMethod(
                        TENSORS,
                        ServerCalls.asyncServerStreamingCall(
                                (req, obs) -> open(req, StreamKind.STREAM_KIND_TENSORS, obs)))
                .addMethod(SESSION, ServerCalls.asyncBidiStreamingCall(this::session))
                .build();
        return ServerInterceptors.intercept(def, new HeaderInterceptor());
    }

    /** Reads accept-profile into the context and answers in the request's message encoding. */
    private static final class HeaderInterceptor implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            String encoding = headers.get(MESSAGE_ENCODING);
            if (encoding != null && (encoding.equals(Lz4Codec.NAME) || encoding.equals("gzip"))) {
                try {
                    call.setCompression(encoding);
                } catch (IllegalArgumentException e) {
                    // the server's CompressorRegistry lacks it: answer uncompressed
                }
            }
            Context ctx = Context.current().withValue(HEADER_PROFILE, headers.get(ACCEPT_PROFILE));
            return Contexts.interceptCall(ctx, call, headers, next);
        }
    }

    private CallStream open(StreamRequest req, StreamKind kind, StreamObserver<OutgoingFrame> obs) {
        return open(req, kind, obs, true);
    }

    private CallStream open(StreamRequest req, StreamKind kind, StreamObserver<OutgoingFrame> obs, boolean hook) {
        ServerCallStreamObserver<OutgoingFrame> out = (ServerCallStreamObserver<OutgoingFrame>) obs;
        try {
            CallStream call = prepare(req, kind, out);
            call.start(hook);
            return call;
        } catch (RequestException e) {
            out.onError(e.status.asRuntimeException());
            return null;
        }
    }

    private StreamObserver<SessionMessage> session(StreamObserver<OutgoingFrame> obs) {
        ServerCallStreamObserver<OutgoingFrame> out = (ServerCallStreamObserver<OutgoingFrame>) obs;
        // grpc-java takes these handlers only now; the call starts with the first message.
        AtomicReference<CallStream> started = new AtomicReference<>();
        AtomicBoolean cancelled = new AtomicBoolean();
        out.setOnReadyHandler(() -> {
            CallStream c = started.get();
            if (c != null) {
                c.signal();
            }
        });
        out.setOnCancelHandler(() -> {
            cancelled.set(true);
            CallStream c = started.get();
            if (c != null) {
                c.cancel();
            }
        });
        return new StreamObserver<>() {
            private CallStream call;
            private boolean failed;
            private StreamKind kind;

            @Override
            public void onNext(SessionMessage m) {
                if (failed) {
                    return;
                }
                if (call == null) {
                    if (!m.hasRequest()) {
                        failed = true;
                        out.onError(Status.INVALID_ARGUMENT
                                .withDescription("a Session starts with a StreamRequest, not a control")
                                .asRuntimeException());
                        return;
                    }
                    kind = m.getRequest().getKind();
                    if (kind != StreamKind.STREAM_KIND_TOKENS && kind != StreamKind.STREAM_KIND_TENSORS) {
                        failed = true;
                        out.onError(Status.INVALID_ARGUMENT
                                .withDescription("a Session request must set kind (STREAM_KIND_TOKENS or _TENSORS)")
                                .asRuntimeException());
                        return;
                    }
                    call = open(m.getRequest(), kind, out, false);
                    failed = call == null;
                    if (call != null) {
                        started.set(call);
                        if (cancelled.get()) {
                            call.cancel();
                        }
                    }
                    return;
                }
                if (m.hasRequest()) {
                    failed = true;
                    call.abort(Status.INVALID_ARGUMENT.withDescription(
                            "a Session takes one StreamRequest; send SessionControl messages after it"));
                    return;
                }
                SessionControl c = m.getControl();
                if (!c.getProfile().isEmpty()) {
                    try {
                        Profile p = profile(c.getProfile());
                        call.changeSelection(
                                Selection.resolve(p, kind == StreamKind.STREAM_KIND_TOKENS, c.getFieldMask(), 0, 0));
                    } catch (RequestException e) {
                        failed = true;
                        call.abort(e.status);
                        return;
                    } catch (IllegalArgumentException e) {
                        failed = true;
                        call.abort(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
                        return;
                    }
                }
                if (c.getRequestKey()) {
                    call.requestKey();
                }
            }

            @Override
            public void onError(Throwable t) {
                // the client cancelled: the call's cancel handler frees it
            }

            @Override
            public void onCompleted() {
                // the client sends no more controls; the stream goes on
            }
        };
    }

    private static final class RequestException extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient Status status;

        RequestException(Status status) {
            super(status.getDescription(), null, false, false);
            this.status = status;
        }
    }

    private Profile profile(String name) throws RequestException {
        Profile p = profiles.get(name);
        if (p == null) {
            throw new RequestException(Status.INVALID_ARGUMENT.withDescription("unknown profile '" + name
                    + "'; this server has: "
                    + String.join(", ", profiles.keySet().stream().sorted().toList())));
        }
        return p;
    }

    private static String describe(StreamKind kind) {
        return kind == StreamKind.STREAM_KIND_TOKENS ? "token stream" : "tensor stream";
    }

    private CallStream prepare(StreamRequest req, StreamKind kind, ServerCallStreamObserver<OutgoingFrame> out)
            throws RequestException {
        StreamLog log = streams.get(req.getStreamId());
        if (log == null) {
            throw new RequestException(Status.NOT_FOUND.withDescription(
                    "no stream " + Long.toUnsignedString(req.getStreamId()) + " on this server"));
        }
        if (log.kind() != kind) {
            throw new RequestException(Status.INVALID_ARGUMENT.withDescription("stream " + log.streamId() + " is a "
                    + describe(log.kind()) + ", but the request reads a " + describe(kind)
                    + " (Generate for token streams, Tensors for tensor streams, or Session with the matching kind)"));
        }
        String name = req.getProfile();
        if (name.isEmpty()) {
            String header = HEADER_PROFILE.get();
            name = header == null || header.isBlank() ? defaultProfile.name() : header.trim();
        }
        Selection selection;
        try {
            selection = Selection.resolve(
                    profile(name),
                    kind == StreamKind.STREAM_KIND_TOKENS,
                    req.hasFieldMask() ? req.getFieldMask() : null,
                    req.getTopK(),
                    req.getErrorBound());
        } catch (IllegalArgumentException e) {
            throw new RequestException(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
        }
        long cursor = 0;
        long published = log.next();
        if (req.hasResumeAfter()) {
            long after = req.getResumeAfter();
            if (Long.compareUnsigned(after, published) >= 0) {
                throw new RequestException(Status.INVALID_ARGUMENT.withDescription("resume_after "
                        + Long.toUnsignedString(after) + " is beyond the items of stream " + log.streamId() + " ("
                        + published + " published so far)"));
            }
            cursor = after + 1;
        }
        long first = log.first();
        if (cursor < first) {
            if (!req.getAllowGap()) {
                throw new RequestException(Status.OUT_OF_RANGE.withDescription("stream " + log.streamId()
                        + ": items from " + cursor + " on are no longer held (the oldest held is " + first
                        + "; the history is bounded to " + limits.maxItems() + " items and " + limits.maxBytes()
                        + " bytes); set allow_gap to continue from item " + first));
            }
            cursor = first;
        }
        return new CallStream(log, out, executor, selection, cursor, req.getAllowGap(), framesSent);
    }
}
