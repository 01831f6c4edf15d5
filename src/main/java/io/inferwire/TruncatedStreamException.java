package io.inferwire;

/** The input ended inside a frame, or a stream ended without its END frame. */
public final class TruncatedStreamException extends StreamException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception; pass -1 for whatever is not known. */
    public TruncatedStreamException(String message, long streamId, long seq, long offset) {
        super(message, streamId, seq, offset, null);
    }

    /** Creates the exception with the lower-level cause. */
    public TruncatedStreamException(String message, long streamId, long seq, long offset, Throwable cause) {
        super(message, streamId, seq, offset, cause);
    }

    /** A problem found before the position in any stream is known. */
    public TruncatedStreamException(String message) {
        super(message, -1, -1, -1, null);
    }
}
