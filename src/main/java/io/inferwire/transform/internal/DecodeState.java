package io.inferwire.transform.internal;

import io.inferwire.CorruptFrameException;
import io.inferwire.StreamException;
import io.inferwire.UnsupportedFormatException;
import io.inferwire.proto.v1.Transform;
import io.inferwire.transform.QuantParams;
import io.inferwire.wire.FrameView;

/**
 * What a tensor decoder knows of its stream between frames, and the frame-level rules
 * every tensor decoder applies (the host {@code TensorDecoder} and the CUDA
 * {@code DeviceTensorDecoder} alike): a DELTA frame needs a valid reference, follows it
 * in the same stream, and inherits the error bound and transform it leaves out. Not
 * thread-safe.
 */
public final class DecodeState {

    private boolean valid;
    private double streamBound;
    private double lastBound = Double.NaN;
    private QuantParams qp;
    private long lastSeq = -1;
    private long lastStream;
    private int lastTransform;
    private int transform;

    /**
     * Opens a KEY or DELTA frame: checks that a DELTA has its reference, takes the
     * frame's error bound and transform or inherits them.
     *
     * @return the frame's transform
     * @throws StreamException if a DELTA has no reference or the transform is unknown
     */
    public Transform open(FrameView f, boolean key) throws StreamException {
        if (!key && !valid) {
            throw corrupt(
                    f,
                    "DELTA frame without its reference (no valid KEY frame since the stream started or since a"
                            + " rejected frame)");
        }
        if (key || f.errorBound() != 0) {
            streamBound = f.errorBound(); // a DELTA frame that leaves it out keeps the last one
        }
        int t = f.transformNumber();
        if (!key && t == 0) {
            t = lastTransform; // a DELTA frame inherits what it leaves out
        }
        Transform tr = Transform.forNumber(t);
        if (tr == null || tr == Transform.TRANSFORM_UNSPECIFIED) {
            throw new UnsupportedFormatException("tensor frame with unknown transform " + t, f.streamId(), f.seq(), -1);
        }
        transform = t;
        return tr;
    }

    /** A DELTA frame must be of its reference's stream and come right after it. */
    public void checkFollows(FrameView f) throws CorruptFrameException {
        if (f.streamId() != lastStream) {
            throw corrupt(f, "DELTA frame of another stream than its reference (stream " + lastStream + ")");
        }
        if (lastSeq >= 0 && f.seq() != lastSeq + 1) {
            throw corrupt(f, "DELTA frame does not follow the frame it refers to (seq " + lastSeq + ")");
        }
    }

    /** The quantization constants of the stream's current bound (made again only when it changes). */
    public QuantParams params(FrameView f) throws CorruptFrameException {
        double e = streamBound;
        if (qp == null || Double.doubleToRawLongBits(e) != Double.doubleToRawLongBits(lastBound)) {
            try {
                qp = QuantParams.of(e);
            } catch (IllegalArgumentException ex) {
                throw corrupt(f, "invalid error bound " + e);
            }
            lastBound = e;
        }
        return qp;
    }

    /** The frame opened last was decoded and handed out: it is the next DELTA's reference. */
    public void accepted(FrameView f) {
        valid = true;
        lastTransform = transform;
        lastSeq = f.seq();
        lastStream = f.streamId();
    }

    /** A frame was rejected: DELTA frames are refused until the next KEY frame. */
    public void rejected() {
        valid = false;
    }

    /** Whether the next DELTA frame has a valid reference. */
    public boolean hasReference() {
        return valid;
    }

    /** A {@link CorruptFrameException} naming the frame's stream and seq. */
    public static CorruptFrameException corrupt(FrameView f, String what) {
        return new CorruptFrameException(what, f.streamId(), f.seq(), -1);
    }
}
