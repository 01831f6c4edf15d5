package io.inferwire.transform.internal;

import io.inferwire.proto.v1.FrameKind;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.proto.v1.Transform;
import io.inferwire.transform.TensorCodec;
import io.inferwire.wire.FrameEncoder;
import java.lang.foreign.MemorySegment;

/**
 * The frame-level state of a tensor stream encoder, shared by
 * {@link io.inferwire.transform.TensorEncoder} (host segments) and
 * {@link io.inferwire.cuda.DeviceTensorEncoder} (device buffers) so both make the same
 * decisions and write the same bytes: sequence numbers, when a frame must be a KEY
 * (first frame, {@link #requestKey()}, the key interval), when KEY and DELTA are both
 * tried (the decision interval), what a DELTA frame leaves out (shape, bound and
 * transform it inherits), and when LZ4 is attempted.
 *
 * <p>A frame goes {@link #startFrame()}, then the transform (with {@link #decideNow()}
 * and {@link #deltaPays(boolean)} as needed), then {@link #emit}, then
 * {@link #finishFrame(boolean)}.
 */
public final class TensorFraming {

    /** After LZ4 fails to shrink a frame, it is tried again on every this many frames. */
    public static final int LZ4_RETRY = 16;

    private static final int[] NO_SHAPE = new int[0];

    private final long streamId;
    private final int[] shape;
    private final int keyInterval;
    private final int decisionInterval;
    private final FrameEncoder frames;

    private long seq;
    private boolean started;
    private boolean keyRequested;
    private int sinceKey;
    private int sinceDecision;
    private boolean deltaPays = true;
    private FrameKind lastKind;
    private int lastTransform;
    private double lastBound;
    private int lz4Skip;
    private boolean predicted;
    private boolean ended;

    /** The state of a new stream of {@code codec}, framed by {@code frames}. */
    public TensorFraming(TensorCodec codec, FrameEncoder frames) {
        this.streamId = codec.streamId();
        this.shape = codec.shape();
        this.keyInterval = codec.keyInterval();
        this.decisionInterval = codec.decisionInterval();
        this.frames = frames;
    }

    /** The frame encoder. */
    public FrameEncoder frames() {
        return frames;
    }

    /**
     * Encodes a HEADER frame carrying {@code header}.
     *
     * @return the length of the delimited frame
     * @throws IllegalStateException if frames were already encoded
     */
    public int header(StreamHeader header) {
        if (seq != 0) {
            throw new IllegalStateException("the HEADER frame must be the stream's first");
        }
        byte[] bytes = header.toByteArray();
        if (bytes.length > frames.maxPayloadBytes()) {
            throw new IllegalArgumentException("stream header of " + bytes.length + " bytes is too large");
        }
        int len = frames.encode(
                streamId, seq, FrameKind.FRAME_KIND_HEADER, 0, NO_SHAPE, MemorySegment.ofArray(bytes), 0, bytes.length);
        seq++;
        lastKind = FrameKind.FRAME_KIND_HEADER;
        return len;
    }

    /** Encodes the END frame; afterwards {@link #startFrame()} and {@code end} throw {@link IllegalStateException}. */
    public int end() {
        checkOpen();
        ended = true;
        int len = frames.encode(streamId, seq, FrameKind.FRAME_KIND_END, 0, NO_SHAPE, MemorySegment.NULL, 0, 0);
        seq++;
        lastKind = FrameKind.FRAME_KIND_END;
        return len;
    }

    /**
     * Checks that the stream is still open.
     *
     * @throws IllegalStateException after {@link #end()}
     */
    public void checkOpen() {
        if (ended) {
            throw new IllegalStateException("the stream has ended (END frame written)");
        }
    }

    /** Makes the next frame a KEY frame. */
    public void requestKey() {
        keyRequested = true;
    }

    /**
     * Starts a tensor frame.
     *
     * @return whether it must be a KEY frame
     * @throws IllegalStateException after {@link #end()}
     */
    public boolean startFrame() {
        checkOpen();
        return !started || keyRequested || (keyInterval > 0 && sinceKey >= keyInterval);
    }

    /** Whether this (non-forced) frame tries both KEY and DELTA; advances the decision cadence. */
    public boolean decideNow() {
        if (sinceDecision >= decisionInterval) {
            sinceDecision = 1;
            return true;
        }
        sinceDecision++;
        return false;
    }

    /** What the last decision found: whether the DELTA frame was the smaller. */
    public boolean deltaPays() {
        return deltaPays;
    }

    /** Records a decision. */
    public void deltaPays(boolean pays) {
        this.deltaPays = pays;
    }

    /** Ends the frame begun by {@link #startFrame()}, which returned {@code key}. */
    public void finishFrame(boolean key) {
        started = true;
        keyRequested = false;
        seq++;
        if (lastKind == FrameKind.FRAME_KIND_KEY) {
            sinceKey = 1;
            if (key) {
                // After a forced KEY, decide again at once; a KEY that a decision chose
                // (or a fallback) keeps the cadence, or every frame of a stream of
                // independent rows would try both KEY and DELTA.
                sinceDecision = decisionInterval;
            }
        } else {
            sinceKey++;
        }
    }

    /**
     * Encodes the frame; {@code fromPrevious}: whether its values are predicted from the
     * previous reconstruction (what {@link #lastPredicted()} reports).
     *
     * @return the length of the delimited frame
     */
    public int emit(
            boolean delta, boolean fromPrevious, int transform, double errorBound, MemorySegment payload, int size) {
        predicted = fromPrevious;
        FrameKind kind = delta ? FrameKind.FRAME_KIND_DELTA : FrameKind.FRAME_KIND_KEY;
        // A DELTA frame inherits shape, bound and transform from the frame before it:
        // only what changed is written.
        int[] dims = delta ? NO_SHAPE : shape;
        double e = delta && errorBound == lastBound ? 0 : errorBound;
        int t = delta && transform == lastTransform ? 0 : transform;
        boolean attempt = lz4Skip == 0;
        frames.tryCompression(attempt);
        int len = frames.encode(streamId, seq, kind, e, dims, t, payload, 0, size);
        if (!attempt) {
            lz4Skip--;
        } else if (size >= FrameEncoder.MIN_COMPRESS_BYTES
                && frames.lastStoredBytes()
                        > size - (transform == Transform.TRANSFORM_QUANT_PACKED_VALUE ? size / 32 : 1)) {
            // It did not pay: for packed residuals, saving under 1/32 (typical of
            // independent rows) is not worth its time on the next frames, nor the decoder's;
            // byte planes keep any saving. Try again in LZ4_RETRY frames.
            lz4Skip = LZ4_RETRY - 1;
        }
        lastKind = kind;
        lastTransform = transform;
        lastBound = errorBound;
        return len;
    }

    /** The kind of the last encoded frame, or null before the first. */
    public FrameKind lastKind() {
        return lastKind;
    }

    /** Whether the last frame was predicted from the previous reconstruction. */
    public boolean lastPredicted() {
        return predicted;
    }

    /** The transform wire number of the last tensor frame. */
    public int lastTransform() {
        return lastTransform;
    }

    /** The sequence number the next frame will carry. */
    public long nextSeq() {
        return seq;
    }
}
