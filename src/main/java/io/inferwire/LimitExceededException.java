package io.inferwire;

/** A declared size, rank or count beyond the reader's configured limit; raised before anything of that size is allocated. */
public final class LimitExceededException extends StreamException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception; pass -1 for whatever is not known. */
    public LimitExceededException(String message, long streamId, long seq, long offset) {
        super(message, streamId, seq, offset, null);
    }

    /** Creates the exception with the lower-level cause. */
    public LimitExceededException(String message, long streamId, long seq, long offset, Throwable cause) {
        super(message, streamId, seq, offset, cause);
    }

    /** A problem found before the position in any stream is known. */
    public LimitExceededException(String message) {
        super(message, -1, -1, -1, null);
    }
}
