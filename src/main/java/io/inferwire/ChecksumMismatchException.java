package io.inferwire;

/** The decoded data does not hash to the checksum the writer stored with it. */
public final class ChecksumMismatchException extends StreamException {

    private static final long serialVersionUID = 1L;

    private final int expected;
    private final int actual;

    /** Creates the exception; pass -1 for whatever is not known. */
    public ChecksumMismatchException(String what, int expected, int actual, long streamId, long seq, long offset) {
        super(
                String.format("%s checksum mismatch: stored %08x, computed %08x", what, expected, actual),
                streamId,
                seq,
                offset,
                null);
        this.expected = expected;
        this.actual = actual;
    }

    /** The checksum stored in the input. */
    public int expected() {
        return expected;
    }

    /** The checksum of the data as decoded. */
    public int actual() {
        return actual;
    }
}
