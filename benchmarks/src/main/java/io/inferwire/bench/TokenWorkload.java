package io.inferwire.bench;

import io.inferwire.tokens.TokenStep;
import java.util.List;

/**
 * A token workload: one or more response streams, each as the OpenAI
 * {@code chat.completion.chunk} JSON events a server would send (one per token, without
 * the SSE {@code data: } prefix), and, where the source knows them, the same steps as
 * {@link TokenStep}s (token ids, text, top-k logprobs).
 *
 * @param name short name shown in tables and charts
 * @param source where the data came from (file, model, artifact)
 * @param streams the JSON events of each response
 * @param steps the steps of each response, parallel to {@code streams}, or null
 */
public record TokenWorkload(String name, String source, List<List<byte[]>> streams, List<List<TokenStep>> steps) {

    /** The number of events over all responses. */
    public long events() {
        long n = 0;
        for (List<byte[]> s : streams) {
            n += s.size();
        }
        return n;
    }
}
