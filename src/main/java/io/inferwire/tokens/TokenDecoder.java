package io.inferwire.tokens;

import com.google.protobuf.InvalidProtocolBufferException;
import io.inferwire.CorruptFrameException;
import io.inferwire.SequenceException;
import io.inferwire.StreamException;
import io.inferwire.UnsupportedFormatException;
import io.inferwire.proto.v1.FrameKind;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.tokens.internal.Coder;
import io.inferwire.tokens.internal.StepModel;
import io.inferwire.wire.FrameStreamReader;
import io.inferwire.wire.FrameView;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Decodes the frames of one token stream written by a {@link TokenEncoder}, as a
 * {@link FrameStreamReader} hands them out (compact step frames with their implied
 * stream and seq filled in).
 *
 * <pre>{@code
 * while (reader.next()) {
 *     TokenStep step = dec.accept(reader);   // null for HEADER and END frames
 * }
 * }</pre>
 *
 * <p>The decoder keeps the same models as the encoder, so it must see every frame of
 * its stream in order. When a step cannot be decoded (a seq it did not expect, a range
 * unit that does not decode cleanly) it throws a {@link StreamException} and refuses
 * every step until the next sync point ({@link TokenEncoder#sync()}) or HEADER: the
 * context is lost. Damage inside a compact frame that still decodes cleanly shows up
 * at the stream's next full frame, where the reader checks the chain hash. Allocates
 * the decoded step (its arrays and record) per step. Not thread-safe.
 */
public final class TokenDecoder {

    private final Coder coder = Coder.decoder();
    private StepModel model;
    private StreamHeader header;
    private long streamId;
    private long expected;
    private boolean broken = true;
    private boolean ended;
    private long steps;
    private double bound;
    private boolean primed;

    /** A decoder waiting for its stream's HEADER frame. */
    public TokenDecoder() {}

    /** Decodes the reader's current frame; see {@link #accept(FrameView, MemorySegment, long, long)}. */
    public TokenStep accept(FrameStreamReader reader) throws StreamException {
        return accept(reader.frame(), reader.dataSegment(), reader.dataOffset(), reader.dataLength());
    }

    /**
     * Decodes one frame of the stream: a HEADER starts (or restarts) it, a TOKENS frame
     * gives its step, END ends it. The frame must have passed a {@link FrameStreamReader}'s
     * checks; {@code data[offset, offset + length)} is its decoded payload.
     *
     * @return the step of a TOKENS frame, null for HEADER and END
     * @throws UnsupportedFormatException if the HEADER does not announce this format
     * @throws SequenceException if the frame is not the one the decoder expects
     * @throws CorruptFrameException if the step does not decode (or context was lost)
     */
    public TokenStep accept(FrameView frame, MemorySegment data, long offset, long length) throws StreamException {
        FrameKind kind = frame.kind();
        long id = frame.streamId();
        long seq = frame.seq();
        if (kind == FrameKind.FRAME_KIND_HEADER) {
            StreamHeader h;
            try {
                h = StreamHeader.parseFrom(data.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE));
            } catch (InvalidProtocolBufferException e) {
                throw new CorruptFrameException("stream header does not parse", id, seq, -1, e);
            }
            String v = h.getMetadataOrDefault(TokenEncoder.FORMAT_KEY, null);
            if (!TokenEncoder.FORMAT_VERSION.equals(v) && !TokenEncoder.FORMAT_VERSION_NO_PRIOR.equals(v)) {
                throw new UnsupportedFormatException(
                        "not a token stream of format " + TokenEncoder.FORMAT_VERSION + " (" + TokenEncoder.FORMAT_KEY
                                + " = " + v + ")",
                        id,
                        seq,
                        -1);
            }
            boolean primed = TokenEncoder.FORMAT_VERSION.equals(v);
            if (model == null || Double.compare(frame.errorBound(), bound) != 0 || primed != this.primed) {
                model = new StepModel(coder, frame.errorBound(), TokenEncoder.TABLE_BITS, primed);
            }
            this.primed = primed;
            model.reset();
            bound = frame.errorBound();
            header = h;
            streamId = id;
            expected = seq + 1;
            broken = false;
            ended = false;
            steps = 0;
            return null;
        }
        if (header == null) {
            throw new CorruptFrameException("token frame before the stream's HEADER", id, seq, -1);
        }
        if (id != streamId) {
            throw new CorruptFrameException(
                    "frame of stream " + Long.toUnsignedString(id) + " given to the decoder of stream "
                            + Long.toUnsignedString(streamId),
                    id,
                    seq,
                    -1);
        }
        boolean inOrder = seq == expected;
        expected = seq + 1;
        if (kind == FrameKind.FRAME_KIND_END) {
            ended = true;
            return null;
        }
        if (kind != FrameKind.FRAME_KIND_TOKENS) {
            throw new UnsupportedFormatException("a token stream holds no " + kind + " frames", id, seq, -1);
        }
        long unitAt = offset;
        long unitLength = length;
        boolean sync = false;
        if (!frame.isCompactStep()) {
            if (length < 1) {
                broken = true;
                throw new CorruptFrameException("full token frame without its flags byte", id, seq, -1);
            }
            sync = (data.get(ValueLayout.JAVA_BYTE, offset) & 1) != 0;
            unitAt++;
            unitLength--;
        }
        if (sync) {
            model.reset();
            broken = false;
        } else if (!inOrder) {
            broken = true;
            throw new SequenceException(SequenceException.Problem.GAP, seq - 1, id, seq, -1);
        }
        if (broken) {
            throw new CorruptFrameException("step context lost; waiting for a sync frame", id, seq, -1);
        }
        coder.rangeDecoder().reset(data, unitAt, unitLength);
        TokenStep step = model.code(null);
        if (coder.rangeDecoder().overran() || !coder.rangeDecoder().exhausted()) {
            broken = true;
            throw new CorruptFrameException("token step does not decode cleanly", id, seq, -1);
        }
        steps++;
        return step;
    }

    /** The stream header (with {@link TokenEncoder#FORMAT_KEY} in its metadata), or null before it. */
    public StreamHeader header() {
        return header;
    }

    /** Whether the stream's END frame was decoded. */
    public boolean ended() {
        return ended;
    }

    /** Steps decoded so far. */
    public long steps() {
        return steps;
    }

    /** The logprob error bound the stream was written with (0 = lossless). */
    public double errorBound() {
        return bound;
    }
}
