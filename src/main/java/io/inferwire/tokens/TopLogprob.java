package io.inferwire.tokens;

/**
 * One top-k alternative of a step: a token id and its log probability (any float,
 * NaN and infinities included; carried exactly or within the stream's error bound).
 *
 * @param tokenId the token id, non-negative
 * @param logprob its log probability
 */
public record TopLogprob(int tokenId, float logprob) {

    /** Validates the id. */
    public TopLogprob {
        if (tokenId < 0) {
            throw new IllegalArgumentException("token id must be >= 0, was " + tokenId);
        }
    }
}
