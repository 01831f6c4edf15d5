package io.inferwire.tokens;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One generation step: what a runtime produced for one (or a few) sampled tokens.
 *
 * <p>The record keeps the arrays it is given (no copies): do not change them after
 * building a step. A step costs a few small heap objects; the codec allocates nothing
 * else per step on the encoding side and the decoded step's arrays on the decoding side.
 *
 * @param tokenIds the sampled token ids (may be empty when the source has none)
 * @param logprobs the sampled tokens' log probabilities: empty, or one per token id
 * @param text the UTF-8 text piece; may be empty and may split a multi-byte character
 *     (the rest comes with the next step)
 * @param topLogprobs the top-k alternatives at this step (may be empty)
 * @param finishReason why generation stopped ({@code "stop"}, {@code "length"}, ...),
 *     or null while it goes on
 * @param revision a change to the text already sent, or null
 * @param extra opaque application bytes carried with the step, coded against the
 *     previous step's (so an unchanged value costs almost nothing); null for none
 */
public record TokenStep(
        int[] tokenIds,
        float[] logprobs,
        byte[] text,
        List<TopLogprob> topLogprobs,
        String finishReason,
        Revision revision,
        byte[] extra) {

    private static final int[] NO_IDS = new int[0];
    private static final float[] NO_FLOATS = new float[0];
    private static final byte[] NO_BYTES = new byte[0];

    /** Validates the step and replaces null arrays and lists by empty ones. */
    public TokenStep {
        tokenIds = tokenIds == null ? NO_IDS : tokenIds;
        logprobs = logprobs == null ? NO_FLOATS : logprobs;
        text = text == null ? NO_BYTES : text;
        topLogprobs = topLogprobs == null ? List.of() : topLogprobs;
        for (int id : tokenIds) {
            if (id < 0) {
                throw new IllegalArgumentException("token id must be >= 0, was " + id);
            }
        }
        if (logprobs.length != 0 && logprobs.length != tokenIds.length) {
            throw new IllegalArgumentException(
                    "logprobs must be empty or one per token id: " + logprobs.length + " for " + tokenIds.length);
        }
    }

    /** A step with only a text piece. */
    public static TokenStep ofText(String text) {
        return new TokenStep(null, null, text.getBytes(StandardCharsets.UTF_8), null, null, null, null);
    }

    /** A step with one token id and its text piece. */
    public static TokenStep of(int tokenId, String text) {
        return new TokenStep(new int[] {tokenId}, null, text.getBytes(StandardCharsets.UTF_8), null, null, null, null);
    }

    /** This step with another finish reason. */
    public TokenStep withFinishReason(String reason) {
        return new TokenStep(tokenIds, logprobs, text, topLogprobs, reason, revision, extra);
    }

    /** This step with extra application bytes. */
    public TokenStep withExtra(byte[] bytes) {
        return new TokenStep(tokenIds, logprobs, text, topLogprobs, finishReason, revision, bytes);
    }

    /** The text piece decoded as UTF-8 (a split character shows as U+FFFD). */
    public String textString() {
        return new String(text, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenStep s
                && Arrays.equals(s.tokenIds, tokenIds)
                && Arrays.equals(s.logprobs, logprobs)
                && Arrays.equals(s.text, text)
                && s.topLogprobs.equals(topLogprobs)
                && Objects.equals(s.finishReason, finishReason)
                && Objects.equals(s.revision, revision)
                && Arrays.equals(s.extra, extra);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                Arrays.hashCode(tokenIds),
                Arrays.hashCode(logprobs),
                Arrays.hashCode(text),
                topLogprobs,
                finishReason,
                revision,
                Arrays.hashCode(extra));
    }

    @Override
    public String toString() {
        return "TokenStep[ids=" + Arrays.toString(tokenIds) + ", logprobs=" + Arrays.toString(logprobs) + ", text="
                + textString() + ", top=" + topLogprobs + ", finish=" + finishReason + ", revision=" + revision
                + ", extra=" + (extra == null ? "null" : new String(extra, StandardCharsets.UTF_8)) + "]";
    }
}
