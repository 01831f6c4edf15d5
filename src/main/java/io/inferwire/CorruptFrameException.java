package io.inferwire;

/** Bytes that do not parse: malformed protobuf, an LZ4 block that does not decode to its declared size, inconsistent sizes. */
public final class CorruptFrameException extends StreamException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception; pass -1 for whatever is not known. */
    public CorruptFrameException(String message, long streamId, long seq, long offset) {
        super(message, streamId, seq, offset, null);
    }

    /** Creates the exception with the lower-level cause. */
    public CorruptFrameException(String message, long streamId, long seq, long offset, Throwable cause) {
        super(message, streamId, seq, offset, cause);
    }

    /** A problem found before the position in any stream is known. */
    public CorruptFrameException(String message) {
        super(message, -1, -1, -1, null);
    }
}
