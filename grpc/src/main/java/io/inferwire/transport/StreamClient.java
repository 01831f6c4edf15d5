package io.inferwire.transport;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.inferwire.proto.v1.SessionMessage;
import io.inferwire.proto.v1.StreamRequest;
import io.inferwire.proto.v1.StreamServiceGrpc;
import io.inferwire.transport.internal.RawFrameMarshaller;

/**
 * A client of the {@code inferwire.v1.StreamService}: starts calls and decodes their
 * frames for a {@link StreamListener} (token steps, tensor rows, with their indexes in
 * the published stream). To resume after a failure, call again with
 * {@code resume_after = subscription.lastIndex()} (when it is >= 0).
 *
 * <p>Register {@link Lz4Codec#decompressorRegistry()} on the channel to accept lz4, and
 * pass {@code callOptions.withCompression("lz4")} (or "gzip") to have the server use it.
 * Flow control is automatic ({@code initialRequest} frames asked for up front, one more
 * per frame handled) unless {@code autoRequest} is false, in which case the caller asks
 * with {@link Subscription#request}.
 */
public final class StreamClient {

    static final MethodDescriptor<StreamRequest, byte[]> GENERATE = StreamServiceGrpc.getGenerateMethod().toBuilder(
                    ProtoUtils.marshaller(StreamRequest.getDefaultInstance()), RawFrameMarshaller.INSTANCE)
            .build();
    static final MethodDescriptor<StreamRequest, byte[]> TENSORS = StreamServiceGrpc.getTensorsMethod().toBuilder(
                    ProtoUtils.marshaller(StreamRequest.getDefaultInstance()), RawFrameMarshaller.INSTANCE)
            .build();
    static final MethodDescriptor<SessionMessage, byte[]> SESSION = StreamServiceGrpc.getSessionMethod().toBuilder(
                    ProtoUtils.marshaller(SessionMessage.getDefaultInstance()), RawFrameMarshaller.INSTANCE)
            .build();

    private final Channel channel;
    private final CallOptions options;
    private final int initialRequest;
    private final boolean autoRequest;

    /**
     * A client.
     *
     * @param channel the channel (the caller owns and shuts it down)
     * @param options per-call options (deadline, compression)
     * @param initialRequest frames asked for when a call starts
     * @param autoRequest whether to ask for one more after each frame handled
     */
    public StreamClient(Channel channel, CallOptions options, int initialRequest, boolean autoRequest) {
        if (initialRequest < 0) {
            throw new IllegalArgumentException("initialRequest must be >= 0");
        }
        this.channel = channel;
        this.options = options;
        this.initialRequest = initialRequest;
        this.autoRequest = autoRequest;
    }

    /** A client with default call options and automatic flow control (16 frames ahead). */
    public StreamClient(Channel channel) {
        this(channel, CallOptions.DEFAULT, 16, true);
    }

    /** This client with other call options. */
    public StreamClient withOptions(CallOptions o) {
        return new StreamClient(channel, o, initialRequest, autoRequest);
    }

    /** Reads a token stream (Generate). {@code headers} may carry {@link StreamService#ACCEPT_PROFILE}. */
    public Subscription generate(StreamRequest request, Metadata headers, StreamListener listener) {
        return start(GENERATE, request, headers, listener, false);
    }

    /** Reads a tensor stream (Tensors). */
    public Subscription tensors(StreamRequest request, Metadata headers, StreamListener listener) {
        return start(TENSORS, request, headers, listener, false);
    }

    /** Opens a Session ({@code request.kind} says which stream kind); send controls through the subscription. */
    public Subscription session(StreamRequest request, Metadata headers, StreamListener listener) {
        return start(SESSION, SessionMessage.newBuilder().setRequest(request).build(), headers, listener, true);
    }

    private <Q> Subscription start(
            MethodDescriptor<Q, byte[]> method, Q first, Metadata headers, StreamListener listener, boolean session) {
        ClientCall<Q, byte[]> call = channel.newCall(method, options);
        Subscription s = new Subscription(call, listener, autoRequest, session);
        s.start(first, headers == null ? new Metadata() : headers, initialRequest);
        return s;
    }
}
