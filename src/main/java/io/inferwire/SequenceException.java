package io.inferwire;

/**
 * A frame arrived out of its stream's order. The offending frame is not handed out;
 * after a {@link Problem#GAP} the reader expects the frame after the one that arrived.
 */
public final class SequenceException extends StreamException {

    private static final long serialVersionUID = 1L;

    /** What went wrong with the order. */
    public enum Problem {
        /** Frames between the expected one and the one that arrived are missing. */
        GAP,
        /** The frame repeats the last one handed out. */
        DUPLICATE,
        /** The frame is older than the last one handed out. */
        REORDERED,
        /** The frame follows its stream's END frame. */
        AFTER_END
    }

    private final Problem problem;
    private final long expected;

    /** Creates the exception for frame {@code seq} of {@code streamId} where {@code expected} was due. */
    public SequenceException(Problem problem, long expected, long streamId, long seq, long offset) {
        super(describe(problem, expected, seq), streamId, seq, offset, null);
        this.problem = problem;
        this.expected = expected;
    }

    /** What went wrong. */
    public Problem problem() {
        return problem;
    }

    /** The sequence number that was due. */
    public long expected() {
        return expected;
    }

    private static String describe(Problem problem, long expected, long seq) {
        return switch (problem) {
            case GAP ->
                "sequence gap: expected seq " + expected + ", got " + seq + " (" + (seq - expected)
                        + " frame(s) missing)";
            case DUPLICATE -> "duplicate frame: seq " + seq + " was already received";
            case REORDERED -> "reordered frame: seq " + seq + " arrived after seq " + (expected - 1);
            case AFTER_END -> "frame after the stream's END frame";
        };
    }
}
