package io.inferwire.transport;

import java.util.EnumSet;
import java.util.Set;

/**
 * A named response profile: which parts of each item a client receives and how
 * precisely. A request names one (in {@code StreamRequest.profile} or the
 * {@code accept-profile} header) and may narrow it further with a field mask, a top-k
 * and an error bound.
 *
 * @param name the name clients use
 * @param fields the parts of a token step sent
 * @param topK the most top-k alternatives sent per step (the first ones, in the order
 *     the runtime gave them: best first)
 * @param logprobBound the largest absolute error of the logprobs sent (0: exact)
 * @param tensorBound the largest absolute error of tensor values sent (0: lossless)
 */
public record Profile(String name, Set<Field> fields, int topK, double logprobBound, double tensorBound) {

    /** The parts of a token step (the field mask paths of {@code GenerationResult}). */
    public enum Field {
        /** {@code text}: the text piece. */
        TEXT,
        /** {@code token_ids}: the sampled token ids. */
        TOKEN_IDS,
        /** {@code logprobs.logprob}: the sampled tokens' logprobs (brings their ids along). */
        LOGPROBS,
        /** {@code logprobs.top_ids}, {@code logprobs.top_logprobs}: the top-k alternatives. */
        TOP_LOGPROBS,
        /** {@code finish_reason}. */
        FINISH_REASON,
        /** {@code deltas}: revisions of text already sent. */
        DELTAS,
        /** The step's opaque application bytes (no mask path selects them; only a profile). */
        EXTRA
    }

    /** Everything, exact: the default. */
    public static final Profile FULL = new Profile("full", EnumSet.allOf(Field.class), Integer.MAX_VALUE, 0, 0);

    /** Text only: the text piece, revisions and finish reason; no ids, no logprobs. */
    public static final Profile TEXT =
            new Profile("text", EnumSet.of(Field.TEXT, Field.DELTAS, Field.FINISH_REASON), 0, 0, 0);

    /** Everything, with at most 3 top-k alternatives per step. */
    public static final Profile TOP3 = new Profile(
            "top3",
            EnumSet.of(
                    Field.TEXT, Field.TOKEN_IDS, Field.LOGPROBS, Field.TOP_LOGPROBS, Field.FINISH_REASON, Field.DELTAS),
            3,
            0,
            0);

    /** Everything, logprobs and tensor values within 1e-3 instead of exact. */
    public static final Profile BOUND_1E3 = new Profile(
            "e1e-3",
            EnumSet.of(
                    Field.TEXT, Field.TOKEN_IDS, Field.LOGPROBS, Field.TOP_LOGPROBS, Field.FINISH_REASON, Field.DELTAS),
            Integer.MAX_VALUE,
            1e-3,
            1e-3);

    /** Validates the values and copies the field set. */
    public Profile {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a profile needs a name");
        }
        fields = fields.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(fields));
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be >= 0, was " + topK);
        }
        if (!(logprobBound >= 0) || Double.isInfinite(logprobBound)) {
            throw new IllegalArgumentException("logprobBound must be finite and >= 0, was " + logprobBound);
        }
        if (!(tensorBound >= 0) || Double.isInfinite(tensorBound)) {
            throw new IllegalArgumentException("tensorBound must be finite and >= 0, was " + tensorBound);
        }
    }
}
