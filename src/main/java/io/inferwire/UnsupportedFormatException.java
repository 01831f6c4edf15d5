package io.inferwire;

/** A frame kind, payload encoding or LZ4 frame feature this version does not know or support. */
public final class UnsupportedFormatException extends StreamException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception; pass -1 for whatever is not known. */
    public UnsupportedFormatException(String message, long streamId, long seq, long offset) {
        super(message, streamId, seq, offset, null);
    }

    /** Creates the exception with the lower-level cause. */
    public UnsupportedFormatException(String message, long streamId, long seq, long offset, Throwable cause) {
        super(message, streamId, seq, offset, cause);
    }

    /** A problem found before the position in any stream is known. */
    public UnsupportedFormatException(String message) {
        super(message, -1, -1, -1, null);
    }
}
