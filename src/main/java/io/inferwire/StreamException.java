package io.inferwire;

import java.io.IOException;

/**
 * Bad input: the one exception hierarchy for every way a stream of frames, a single
 * frame or an LZ4 frame can be wrong. A reader that throws one of these has handed out
 * nothing wrong; what it handed out before stays valid.
 *
 * <p>{@link #streamId()}, {@link #seq()} and {@link #offset()} locate the problem when
 * they are known, and are {@code -1} otherwise.
 */
public abstract sealed class StreamException extends IOException
        permits TruncatedStreamException,
                CorruptFrameException,
                LimitExceededException,
                UnsupportedFormatException,
                ChecksumMismatchException,
                SequenceException {

    private static final long serialVersionUID = 1L;

    private final long streamId;
    private final long seq;
    private final long offset;

    protected StreamException(String message, long streamId, long seq, long offset, Throwable cause) {
        super(locate(message, streamId, seq, offset), cause);
        this.streamId = streamId;
        this.seq = seq;
        this.offset = offset;
    }

    /** The stream id of the offending frame, or -1 when unknown. */
    public long streamId() {
        return streamId;
    }

    /** The sequence number of the offending frame, or -1 when unknown. */
    public long seq() {
        return seq;
    }

    /** Byte offset of the offending frame (or byte) in the input, or -1 when unknown. */
    public long offset() {
        return offset;
    }

    private static String locate(String message, long streamId, long seq, long offset) {
        if (streamId < 0 && seq < 0 && offset < 0) {
            return message;
        }
        StringBuilder sb = new StringBuilder(message).append(" (");
        String sep = "";
        if (streamId >= 0) {
            sb.append("stream ").append(Long.toUnsignedString(streamId));
            sep = ", ";
        }
        if (seq >= 0) {
            sb.append(sep).append("seq ").append(seq);
            sep = ", ";
        }
        if (offset >= 0) {
            sb.append(sep).append("offset ").append(offset);
        }
        return sb.append(')').toString();
    }
}
