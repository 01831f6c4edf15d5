package io.inferwire.bench.data;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The OpenAI Chat Completions stream a server sends for given tokens: compact {@code chat.completion.chunk}
 * JSON events (the {@code data:} payloads, without the SSE framing or the final {@code [DONE]}), fields in
 * the order OpenAI sends them, as recorded in {@code shared/data/sse/openai-text.chunks.txt}: a first event
 * with the role, one event per token, then one with {@code "finish_reason":"stop"}. As for a request with
 * {@code stream_options} {@code include_usage} and {@code include_obfuscation} off: no {@code usage} and no
 * {@code obfuscation} fields.
 *
 * <p>A token may end inside a UTF-8 character. Its event then holds back the incomplete bytes and the next
 * event sends them with the rest of the character, so every event is valid JSON of valid strings; a token
 * whose bytes are all held back gets no event of its own, and with logprobs its entry goes with the next
 * event's (OpenAI's {@code logprobs.content} is a list for this reason). Bytes still held at the end go out
 * as U+FFFD.
 */
public final class OpenAiChunks {

    /** The {@code system_fingerprint} of every event: "fp_" and 10 hex digits, as OpenAI's. */
    public static final String SYSTEM_FINGERPRINT = "fp_6b1e2f0a9c";

    private OpenAiChunks() {}

    /**
     * The events for a response without logprobs.
     *
     * @param pieces the UTF-8 bytes of each token's text, in order
     * @param id the completion id, e.g. {@code "chatcmpl-..."}
     * @param model the model name
     * @param created Unix seconds
     * @return one new array per event, UTF-8 JSON
     */
    public static List<byte[]> text(List<byte[]> pieces, String id, String model, long created) {
        return events(pieces, null, null, null, id, model, created);
    }

    /**
     * The events for a response requested with {@code logprobs: true} and {@code top_logprobs: k}: each
     * token's {@code logprobs.content} entry carries its {@code token} text (U+FFFD where its bytes are not
     * whole UTF-8 characters), {@code logprob}, {@code bytes} and {@code top_logprobs}, the alternatives in
     * the same shape without their own alternatives.
     *
     * @param pieces the UTF-8 bytes of each token's text, in order
     * @param logprob the log probability of each token
     * @param topPieces for each token, the bytes of its most likely alternatives
     * @param topLogprobs for each token, the log probabilities of those alternatives
     * @param id the completion id
     * @param model the model name
     * @param created Unix seconds
     * @return one new array per event, UTF-8 JSON
     * @throws IllegalArgumentException if the lengths disagree, or a log probability is NaN or infinite
     */
    public static List<byte[]> withLogprobs(
            List<byte[]> pieces,
            float[] logprob,
            List<List<byte[]>> topPieces,
            float[][] topLogprobs,
            String id,
            String model,
            long created) {
        int n = pieces.size();
        if (logprob.length != n || topPieces.size() != n || topLogprobs.length != n) {
            throw new IllegalArgumentException("pieces, logprob, topPieces and topLogprobs differ in length: " + n
                    + ", " + logprob.length + ", " + topPieces.size() + ", " + topLogprobs.length);
        }
        for (int i = 0; i < n; i++) {
            if (topPieces.get(i).size() != topLogprobs[i].length) {
                throw new IllegalArgumentException("token " + i + ": "
                        + topPieces.get(i).size() + " top pieces but " + topLogprobs[i].length + " top logprobs");
            }
        }
        return events(pieces, logprob, topPieces, topLogprobs, id, model, created);
    }

    private static List<byte[]> events(
            List<byte[]> pieces,
            float[] logprob,
            List<List<byte[]>> topPieces,
            float[][] topLogprobs,
            String id,
            String model,
            long created) {
        boolean lp = logprob != null;
        StringBuilder head = new StringBuilder(160).append("{\"id\":");
        string(head, id)
                .append(",\"object\":\"chat.completion.chunk\",\"created\":")
                .append(created)
                .append(",\"model\":");
        string(head, model).append(",\"service_tier\":\"default\",\"system_fingerprint\":");
        string(head, SYSTEM_FINGERPRINT).append(",\"choices\":[{\"index\":0,\"delta\":");
        String prefix = head.toString();

        List<byte[]> events = new ArrayList<>(pieces.size() + 2);
        events.add(event(
                prefix,
                "{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}",
                lp ? "{\"content\":[],\"refusal\":null}" : "null",
                "null"));
        byte[] held = new byte[0];
        StringBuilder entries = new StringBuilder();
        for (int i = 0; i < pieces.size(); i++) {
            byte[] piece = pieces.get(i);
            byte[] text = Arrays.copyOf(held, held.length + piece.length);
            System.arraycopy(piece, 0, text, held.length, piece.length);
            int whole = wholeChars(text);
            held = Arrays.copyOfRange(text, whole, text.length);
            if (lp) {
                entry(
                        entries.append(entries.isEmpty() ? "" : ","),
                        piece,
                        logprob[i],
                        topPieces.get(i),
                        topLogprobs[i]);
            }
            if (whole > 0) {
                events.add(content(prefix, new String(text, 0, whole, StandardCharsets.UTF_8), lp, entries));
            }
        }
        if (held.length > 0 || !entries.isEmpty()) {
            events.add(content(prefix, new String(held, StandardCharsets.UTF_8), lp, entries));
        }
        events.add(event(prefix, "{}", "null", "\"stop\""));
        return events;
    }

    private static byte[] content(String prefix, String text, boolean lp, StringBuilder entries) {
        StringBuilder delta = string(new StringBuilder(text.length() + 16).append("{\"content\":"), text)
                .append('}');
        String logprobs = lp ? "{\"content\":[" + entries + "],\"refusal\":null}" : "null";
        entries.setLength(0);
        return event(prefix, delta.toString(), logprobs, "null");
    }

    private static byte[] event(String prefix, String delta, String logprobs, String finishReason) {
        return (prefix + delta + ",\"logprobs\":" + logprobs + ",\"finish_reason\":" + finishReason + "}]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static void entry(
            StringBuilder out, byte[] piece, float logprob, List<byte[]> topPieces, float[] topLogprobs) {
        token(out.append('{'), piece, logprob).append(",\"top_logprobs\":[");
        for (int k = 0; k < topPieces.size(); k++) {
            token(out.append(k == 0 ? "{" : ",{"), topPieces.get(k), topLogprobs[k])
                    .append('}');
        }
        out.append("]}");
    }

    /** Appends the fields {@code "token":..,"logprob":..,"bytes":[..]}. */
    private static StringBuilder token(StringBuilder out, byte[] piece, float logprob) {
        if (!Float.isFinite(logprob)) {
            throw new IllegalArgumentException("logprob " + logprob + " has no JSON number");
        }
        string(out.append("\"token\":"), new String(piece, StandardCharsets.UTF_8));
        out.append(",\"logprob\":").append(Float.toString(logprob)).append(",\"bytes\":[");
        for (int b = 0; b < piece.length; b++) {
            out.append(b == 0 ? "" : ",").append(piece[b] & 0xFF);
        }
        return out.append(']');
    }

    /**
     * The length of the longest start of {@code b} that does not end inside a UTF-8 character: all of it,
     * unless it ends with the lead byte and some (not all) continuation bytes of a multi-byte sequence.
     */
    private static int wholeChars(byte[] b) {
        int n = b.length;
        int lead = n - 1;
        while (lead >= 0 && n - lead <= 3 && (b[lead] & 0xC0) == 0x80) {
            lead--;
        }
        if (lead < 0) {
            return n;
        }
        int v = b[lead] & 0xFF;
        int len = v < 0xC0 ? 1 : v < 0xE0 ? 2 : v < 0xF0 ? 3 : v < 0xF8 ? 4 : 1;
        return n - lead < len ? lead : n;
    }

    /** Appends {@code s} as a JSON string as OpenAI writes it: UTF-8, short escapes where JSON has them. */
    private static StringBuilder string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00")
                                .append(Character.forDigit(c >> 4, 16))
                                .append(Character.forDigit(c & 15, 16));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }
}
