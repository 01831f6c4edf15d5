package io.inferwire.transport.internal;

import com.google.protobuf.FieldMask;
import io.inferwire.tokens.TokenStep;
import io.inferwire.tokens.TopLogprob;
import io.inferwire.transport.Profile;
import io.inferwire.transport.Profile.Field;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one call sends: a profile narrowed by the request's field mask, top-k and error
 * bound. Resolution throws {@link IllegalArgumentException} with a message meant for the
 * client (it becomes INVALID_ARGUMENT).
 */
public record Selection(String profile, Set<Field> fields, int topK, double logprobBound, double tensorBound) {

    /** Field mask paths of GenerationResult and the step parts they select. */
    static final Map<String, Set<Field>> TOKEN_PATHS = Map.of(
            "text", EnumSet.of(Field.TEXT),
            "token_ids", EnumSet.of(Field.TOKEN_IDS),
            "logprobs", EnumSet.of(Field.LOGPROBS, Field.TOP_LOGPROBS),
            "logprobs.logprob", EnumSet.of(Field.LOGPROBS),
            "logprobs.top_ids", EnumSet.of(Field.TOP_LOGPROBS),
            "logprobs.top_logprobs", EnumSet.of(Field.TOP_LOGPROBS),
            "finish_reason", EnumSet.of(Field.FINISH_REASON),
            "deltas", EnumSet.of(Field.DELTAS));

    /** Field mask paths of EmbeddingResult / LogitsResult: a tensor row is sent whole. */
    static final Set<String> TENSOR_PATHS = Set.of("values", "shape", "vocab_size", "position");

    /** The most top-k alternatives a step can carry (the token codec's limit). */
    static final int MAX_TOP_K = 4096;

    public static Selection resolve(Profile p, boolean tokens, FieldMask mask, int topK, double errorBound) {
        EnumSet<Field> fields = p.fields().isEmpty() ? EnumSet.noneOf(Field.class) : EnumSet.copyOf(p.fields());
        if (mask != null && mask.getPathsCount() > 0) {
            EnumSet<Field> asked = EnumSet.noneOf(Field.class);
            for (String path : mask.getPathsList()) {
                if (tokens) {
                    Set<Field> f = TOKEN_PATHS.get(path);
                    if (f == null) {
                        throw new IllegalArgumentException("field_mask path '" + path
                                + "' is not a field of a token stream; known paths: "
                                + String.join(
                                        ", ",
                                        TOKEN_PATHS.keySet().stream().sorted().toList()));
                    }
                    asked.addAll(f);
                } else if (!TENSOR_PATHS.contains(path)) {
                    throw new IllegalArgumentException("field_mask path '" + path
                            + "' is not a field of a tensor stream; known paths: "
                            + String.join(", ", TENSOR_PATHS.stream().sorted().toList()));
                }
            }
            if (tokens) {
                fields.retainAll(asked);
            }
        }
        if (topK < 0 || topK > MAX_TOP_K) {
            throw new IllegalArgumentException("top_k must be 0 to " + MAX_TOP_K + ", was " + topK);
        }
        if (!(errorBound >= 0) || Double.isInfinite(errorBound)) {
            throw new IllegalArgumentException("error_bound must be finite and >= 0, was " + errorBound);
        }
        int k = topK == 0 ? p.topK() : Math.min(topK, p.topK());
        double bound = Math.max(p.tensorBound(), errorBound);
        double logBound = Math.max(p.logprobBound(), tokens ? errorBound : 0);
        return new Selection(p.name(), fields, k, logBound, bound);
    }

    /** The step as this selection sends it (the step itself when nothing is left out). */
    public TokenStep apply(TokenStep s) {
        boolean ids = fields.contains(Field.TOKEN_IDS) || fields.contains(Field.LOGPROBS);
        boolean logprobs = fields.contains(Field.LOGPROBS);
        boolean top = fields.contains(Field.TOP_LOGPROBS) && topK > 0;
        boolean text = fields.contains(Field.TEXT);
        boolean finish = fields.contains(Field.FINISH_REASON);
        boolean deltas = fields.contains(Field.DELTAS);
        boolean extra = fields.contains(Field.EXTRA);
        List<TopLogprob> tops = s.topLogprobs();
        boolean cut = tops.size() > topK;
        if (ids && logprobs && top && text && finish && deltas && extra && !cut) {
            return s;
        }
        return new TokenStep(
                ids ? s.tokenIds() : null,
                logprobs ? s.logprobs() : null,
                text ? s.text() : null,
                top ? (cut ? tops.subList(0, topK) : tops) : null,
                finish ? s.finishReason() : null,
                deltas ? s.revision() : null,
                extra ? s.extra() : null);
    }
}
