package io.inferwire.tokens;

import io.inferwire.proto.v1.FrameKind;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.tokens.internal.Coder;
import io.inferwire.tokens.internal.StepModel;
import io.inferwire.tokens.internal.TokenFrames;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * Encodes one token stream: a HEADER frame, one frame per {@link TokenStep} written as
 * soon as the step is given (nothing is held back), and an END frame.
 *
 * <pre>{@code
 * TokenEncoder enc = TokenEncoder.builder().streamId(7).errorBound(1e-3).build(arena);
 * out.write(enc.frameBuffer()) after each of:
 *   enc.start(header); enc.encode(step) ...; enc.end();
 * }</pre>
 *
 * <p>Steps are range-coded with models carried from step to step (see
 * {@link io.inferwire.tokens}); most go out as compact step frames of a few bytes. Every
 * {@link Builder#checkpointInterval checkpointInterval}-th step, and the END frame, is a
 * full frame (explicit stream id and seq, checksum, and the chain hash over the compact
 * frames before it), which is where a reader detects lost, repeated or damaged compact
 * frames. {@link #sync()} makes the next step a full frame at which both sides restart
 * their models, so a decoder that lost context can resume there.
 *
 * <p>Each method leaves its frame in {@link #buffer()} at {@link #frameOffset()} until the
 * next call. The buffer comes from the arena given to {@link Builder#build}, which owns
 * it; it grows for large steps. Per step the encoder allocates nothing on the heap when
 * extras are unchanged or shrink (the caller's {@link TokenStep} is the only garbage).
 * Not thread-safe: one encoder per stream.
 */
public final class TokenEncoder {

    /**
     * The metadata key that marks a token stream's header. Its value is the format
     * version, {@value #FORMAT_VERSION}, with the models starting from the built-in
     * prior, or {@value #FORMAT_VERSION_NO_PRIOR} without it.
     */
    public static final String FORMAT_KEY = "inferwire.tokens";
    /** The format this code writes and reads (models start from the prior). */
    public static final String FORMAT_VERSION = "1";
    /** The same format with models that start from nothing. */
    public static final String FORMAT_VERSION_NO_PRIOR = "1/noprior";

    static final int TABLE_BITS = 16;
    private static final int UNIT_AT = 128;

    private final Arena arena;
    private final long streamId;
    private final double errorBound;
    private final int checkpointInterval;
    private final boolean prior;
    private final int syncInterval;
    private final Coder coder = Coder.encoder();
    private final StepModel model;
    private final long[] span = new long[2];

    private MemorySegment buffer;
    private ByteBuffer view;
    private long frameOffset;
    private int frameLength;
    private long seq;
    private boolean started;
    private boolean ended;
    private boolean syncNext;
    private int chain;
    private int compacts;
    private long bytes;

    private TokenEncoder(Builder b, Arena arena) {
        this.arena = arena;
        this.streamId = b.streamId;
        this.errorBound = b.errorBound;
        this.checkpointInterval = b.checkpointInterval;
        this.prior = b.prior;
        this.syncInterval = b.syncInterval;
        this.model = new StepModel(coder, errorBound, TABLE_BITS, b.prior);
        allocate(4096);
    }

    /** A builder with stream id 0, lossless logprobs and a checkpoint every 64 steps. */
    public static Builder builder() {
        return new Builder();
    }

    /** Configures a {@link TokenEncoder}. */
    public static final class Builder {
        private long streamId;
        private double errorBound;
        private int checkpointInterval = 64;
        private boolean prior = true;
        private int syncInterval;

        private Builder() {}

        /**
         * Every n-th step is a sync point (see {@link TokenEncoder#sync()}): a decoder that
         * lost context resumes there, at the price of restarting the models. 0 (the
         * default) means only on request.
         */
        public Builder syncInterval(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("sync interval must be >= 0, was " + n);
            }
            this.syncInterval = n;
            return this;
        }

        /**
         * Whether the models start from the built-in prior (trained on generic English
         * text and chat-completion chunk templates; the default) or from nothing. The
         * choice is written in the header, so decoders follow it.
         */
        public Builder prior(boolean on) {
            this.prior = on;
            return this;
        }

        /** The stream id written in the full frames. */
        public Builder streamId(long id) {
            this.streamId = id;
            return this;
        }

        /**
         * The largest absolute error of decoded logprobs; 0 (the default) carries their
         * exact bits. Non-finite values are always exact.
         */
        public Builder errorBound(double bound) {
            if (!(bound >= 0) || Double.isInfinite(bound)) {
                throw new IllegalArgumentException("error bound must be finite and >= 0, was " + bound);
            }
            this.errorBound = bound;
            return this;
        }

        /**
         * Every n-th step is a full frame (checksum, explicit seq, chain hash over the
         * compact frames before it): the most steps a reader hands out before it can
         * detect a lost or damaged compact frame. 0 means only END checks them.
         */
        public Builder checkpointInterval(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("checkpoint interval must be >= 0, was " + n);
            }
            this.checkpointInterval = n;
            return this;
        }

        /** An encoder whose buffer comes from {@code arena} (the arena owns it). */
        public TokenEncoder build(Arena arena) {
            return new TokenEncoder(this, arena);
        }
    }

    private void allocate(long size) {
        buffer = arena.allocate(size, 8);
        view = buffer.asByteBuffer();
    }

    private void ensure(long unitBytes) {
        long need = UNIT_AT + unitBytes + 16;
        if (need > buffer.byteSize()) {
            allocate(Math.max(need, buffer.byteSize() * 2));
        }
    }

    /**
     * Writes the HEADER frame (seq 0): {@code header} with {@link #FORMAT_KEY} added to its
     * metadata.
     *
     * @return the frame length
     * @throws IllegalStateException if the stream was already started
     */
    public int start(StreamHeader header) {
        if (started) {
            throw new IllegalStateException("stream already started");
        }
        byte[] h = header.toBuilder()
                .putMetadata(FORMAT_KEY, prior ? FORMAT_VERSION : FORMAT_VERSION_NO_PRIOR)
                .build()
                .toByteArray();
        ensure(h.length);
        MemorySegment.copy(h, 0, buffer, ValueLayout.JAVA_BYTE, UNIT_AT, h.length);
        model.reset();
        started = true;
        seq = 0;
        compacts = 0;
        chain = 0;
        // The HEADER carries chain = 0: it announces compact step frames.
        long start = TokenFrames.full(
                buffer, UNIT_AT, h.length, streamId, seq, FrameKind.FRAME_KIND_HEADER_VALUE, errorBound, true, 0);
        frameOffset = start;
        frameLength = (int) (UNIT_AT + h.length - start);
        bytes += frameLength;
        return frameLength;
    }

    /**
     * Encodes one step as one frame.
     *
     * @return the frame length
     * @throws IllegalStateException before {@link #start} or after {@link #end}
     * @throws IllegalArgumentException if the step has more than 4096 ids or top-k pairs
     */
    public int encode(TokenStep step) {
        if (!started || ended) {
            throw new IllegalStateException(ended ? "stream already ended" : "call start() first");
        }
        if (step.tokenIds().length > StepModel.MAX_ITEMS || step.topLogprobs().size() > StepModel.MAX_ITEMS) {
            throw new IllegalArgumentException("a step holds at most " + StepModel.MAX_ITEMS + " ids and top-k pairs");
        }
        long bound = StepModel.bound(step);
        ensure(bound);
        seq++;
        if (syncInterval > 0 && seq % syncInterval == 0) {
            syncNext = true;
        }
        boolean checkpoint = syncNext || (checkpointInterval > 0 && seq % checkpointInterval == 0);
        if (syncNext) {
            model.reset();
        }
        coder.rangeEncoder().reset(buffer, UNIT_AT, bound);
        model.code(step);
        int n = (int) coder.rangeEncoder().finish();
        if (checkpoint) {
            buffer.set(ValueLayout.JAVA_BYTE, UNIT_AT - 1, (byte) (syncNext ? 1 : 0));
            syncNext = false;
            return full(FrameKind.FRAME_KIND_TOKENS_VALUE, UNIT_AT - 1, n + 1);
        }
        TokenFrames.compact(buffer, UNIT_AT, n, 0, span);
        frameOffset = span[0];
        frameLength = (int) (span[1] - span[0]);
        int prefix = 1;
        while (buffer.get(ValueLayout.JAVA_BYTE, frameOffset + prefix - 1) < 0) {
            prefix++;
        }
        chain = io.inferwire.lz4.XxHash32.hash(buffer, frameOffset + prefix, frameLength - prefix, chain);
        compacts++;
        bytes += frameLength;
        return frameLength;
    }

    /** Makes the next step a sync point: a full frame before which both sides restart their models. */
    public void sync() {
        syncNext = true;
    }

    /**
     * Writes the END frame.
     *
     * @return the frame length
     * @throws IllegalStateException before {@link #start} or after {@link #end}
     */
    public int end() {
        if (!started || ended) {
            throw new IllegalStateException(ended ? "stream already ended" : "call start() first");
        }
        ended = true;
        seq++;
        return full(FrameKind.FRAME_KIND_END_VALUE, UNIT_AT, 0);
    }

    private int full(int kind, long payloadAt, int length) {
        long start = TokenFrames.full(buffer, payloadAt, length, streamId, seq, kind, errorBound, compacts > 0, chain);
        chain = 0;
        compacts = 0;
        frameOffset = start;
        frameLength = (int) (payloadAt + length - start);
        bytes += frameLength;
        return frameLength;
    }

    /** The buffer holding the last frame; owned by the arena given to the builder. */
    public MemorySegment buffer() {
        return buffer;
    }

    /** Offset of the last frame (its length prefix) in {@link #buffer()}. */
    public long frameOffset() {
        return frameOffset;
    }

    /** Length of the last frame, length prefix included. */
    public int frameLength() {
        return frameLength;
    }

    /** The last frame as a slice of {@link #buffer()} (allocates the slice object). */
    public MemorySegment frame() {
        return buffer.asSlice(frameOffset, frameLength);
    }

    /** A ByteBuffer over the last frame (the same object while the buffer does not grow). */
    public ByteBuffer frameBuffer() {
        return view.clear().position((int) frameOffset).limit((int) frameOffset + frameLength);
    }

    /** The seq of the last frame written. */
    public long seq() {
        return seq;
    }

    /** Total bytes of all frames written so far. */
    public long bytesWritten() {
        return bytes;
    }
}
