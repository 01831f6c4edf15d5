package io.inferwire.transport;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.inferwire.StreamException;
import io.inferwire.proto.v1.FrameKind;
import io.inferwire.proto.v1.SessionControl;
import io.inferwire.proto.v1.SessionMessage;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.tokens.TokenDecoder;
import io.inferwire.tokens.TokenStep;
import io.inferwire.transform.TensorCodec;
import io.inferwire.transform.TensorDecoder;
import io.inferwire.transport.internal.CallStream;
import io.inferwire.wire.FrameStreamReader;
import io.inferwire.wire.FrameView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One client call of a {@link StreamClient}: decodes the frames as they arrive and
 * hands the items to a {@link StreamListener}. Off-heap buffers (reader, decoders, the
 * row buffer) come from an arena the subscription owns and closes when the call ends.
 */
public final class Subscription {

    private final ClientCall<Object, byte[]> call;
    private final StreamListener listener;
    private final boolean autoRequest;
    private final boolean session;
    private final Arena arena = Arena.ofShared();

    private FrameStreamReader reader;
    private TokenDecoder tokens;
    private TensorDecoder tensors;
    private MemorySegment row = MemorySegment.NULL;
    private final FrameView peek = new FrameView();
    private long next;
    private volatile long lastIndex = -1;
    private volatile long bytes;
    private volatile long frames;
    private Status localError;

    @SuppressWarnings("unchecked")
    Subscription(ClientCall<?, byte[]> call, StreamListener listener, boolean autoRequest, boolean session) {
        this.call = (ClientCall<Object, byte[]>) call;
        this.listener = listener;
        this.autoRequest = autoRequest;
        this.session = session;
    }

    void start(Object firstMessage, Metadata headers, int initialRequest) {
        listener.onSubscribe(this);
        call.start(new Listener(), headers);
        call.request(initialRequest);
        call.sendMessage(firstMessage);
        if (!session) {
            call.halfClose();
        }
    }

    /** Asks the server for {@code n} more frames (manual flow control). */
    public void request(int n) {
        call.request(n);
    }

    /** Cancels the call; the listener gets {@link StreamListener#onClose} with CANCELLED. */
    public void cancel(String why) {
        call.cancel(why, null);
    }

    /**
     * Sends a control message of a Session: a sync point now, or a profile change.
     *
     * @throws IllegalStateException on a Generate or Tensors call
     */
    public void control(SessionControl control) {
        if (!session) {
            throw new IllegalStateException("controls are for Session calls");
        }
        call.sendMessage(SessionMessage.newBuilder().setControl(control).build());
    }

    /** Index of the last item handed to the listener, -1 before the first. */
    public long lastIndex() {
        return lastIndex;
    }

    /**
     * Bytes of frames received as a length-delimited inferwire stream would hold them: each
     * message's bytes plus its varint length prefix (1 B below 128 B), without gRPC's
     * 5-byte message prefix or HTTP/2 framing; after decompression when a message encoding
     * was used.
     */
    public long bytesReceived() {
        return bytes;
    }

    /** Frames received. */
    public long framesReceived() {
        return frames;
    }

    private final class Listener extends ClientCall.Listener<byte[]> {
        @Override
        public void onMessage(byte[] message) {
            bytes += message.length;
            frames++;
            try {
                handle(message);
            } catch (ListenerException e) {
                localError = Status.UNKNOWN
                        .withDescription("the listener threw: " + e.getCause())
                        .withCause(e.getCause());
                call.cancel("the listener threw", e.getCause());
                return;
            } catch (StreamException | InvalidProtocolBufferException | RuntimeException e) {
                localError = Status.DATA_LOSS
                        .withDescription("frame " + frames + " failed: " + e)
                        .withCause(e);
                call.cancel("frame failed to decode", e);
                return;
            }
            if (autoRequest) {
                call.request(1);
            }
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            arena.close();
            listener.onClose(localError != null ? localError : status);
        }
    }

    private void handle(byte[] message) throws StreamException, InvalidProtocolBufferException {
        MemorySegment seg = MemorySegment.ofArray(message);
        int prefix = 1;
        while (message[prefix - 1] < 0) {
            prefix++;
        }
        int tag = message[prefix] & 0xff;
        // compact step frames start with field 12 or 13 (tags 0x60, 0x6a); anything else is a full frame
        if (reader == null || (tag != 0x60 && tag != 0x6a)) {
            peek.wrap(seg, prefix, message.length - prefix);
            if (peek.kind() == FrameKind.FRAME_KIND_HEADER) {
                reader = new FrameStreamReader(arena);
                tokens = null;
                tensors = null;
            }
        }
        if (reader == null) {
            throw new IllegalStateException("the call's first frame is not a HEADER frame");
        }
        reader.feed(seg);
        while (reader.next()) {
            frame();
        }
    }

    /** Thrown through the decoding code when the listener throws, so it is not taken for a bad frame. */
    private static final class ListenerException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ListenerException(RuntimeException cause) {
            super(cause);
        }
    }

    private static void deliver(Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            throw new ListenerException(e);
        }
    }

    private void frame() throws StreamException, InvalidProtocolBufferException {
        FrameView f = reader.frame();
        FrameKind kind = f.kind();
        if (kind == FrameKind.FRAME_KIND_HEADER) {
            StreamHeader h = StreamHeader.parseFrom(reader.data().asByteBuffer());
            next = Long.parseLong(h.getMetadataOrDefault(CallStream.FIRST_KEY, "0"));
            String shape = h.getMetadataOrDefault(CallStream.SHAPE_KEY, "");
            if (shape.isEmpty()) {
                tokens = new TokenDecoder();
                tokens.accept(reader);
            } else {
                int[] dims = Arrays.stream(shape.split(","))
                        .mapToInt(Integer::parseInt)
                        .toArray();
                TensorCodec codec = TensorCodec.builder().shape(dims).build();
                tensors = codec.newDecoder(arena);
                if (row.byteSize() < 4L * codec.values()) {
                    row = arena.allocate(4L * codec.values(), 64);
                }
            }
            deliver(() -> listener.onHeader(h, next));
            return;
        }
        if (kind == FrameKind.FRAME_KIND_END) {
            if (tokens != null) {
                tokens.accept(reader);
            }
            deliver(() -> listener.onEnd());
            return;
        }
        if (tokens != null) {
            TokenStep step = tokens.accept(reader);
            if (step != null) {
                long i = next++;
                lastIndex = i;
                deliver(() -> listener.onStep(i, step));
            }
        } else if (tensors != null) {
            int n = tensors.decode(reader, row, 0);
            if (n >= 0) {
                long i = next++;
                lastIndex = i;
                deliver(() -> listener.onRow(i, row, n));
            }
        } else {
            throw new IllegalStateException("a " + kind + " frame before the stream's HEADER");
        }
    }
}
