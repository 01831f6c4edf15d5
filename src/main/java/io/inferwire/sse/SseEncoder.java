package io.inferwire.sse;

import io.inferwire.UnsupportedFormatException;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.sse.internal.Json;
import io.inferwire.tokens.TokenEncoder;
import io.inferwire.tokens.TokenStep;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Encodes an OpenAI {@code chat.completion.chunk} event stream as a token stream, one
 * step frame per event, written as soon as the event is given.
 *
 * <p>Each event's JSON is split into the text the model produced, which becomes the
 * step's text piece, and a template: the event's bytes with that string replaced by a
 * marker, which travels as the step's {@code extra} and is coded against the previous
 * event's template (consecutive chunks differ in few bytes, often none). The text is
 * the first of {@code choices[0].delta.content}, {@code .reasoning_content},
 * {@code .reasoning}, {@code .tool_calls[0].function.arguments},
 * {@code choices[0].text}, and (Anthropic-style) {@code delta.text},
 * {@code delta.thinking}, {@code delta.partial_json} that is a string whose
 * canonical JSON escaping gives back its exact bytes. The first event's {@code id},
 * {@code model} and {@code created} go into the HEADER frame's {@link StreamHeader}
 * and are replaced by markers wherever later events repeat them.
 *
 * <p>Decoding gives back every event byte for byte, except that with
 * {@link Builder#dropObfuscation} the top-level {@code obfuscation} member (random
 * padding OpenAI adds to hide token lengths) is removed. Any JSON value per event is
 * carried (other providers' formats too, then mostly as template); a line that is not
 * JSON, not an SSE {@code data:} line, or an SSE field other than {@code data} throws
 * {@link UnsupportedFormatException}. Empty lines and SSE comments are skipped.
 * {@code data: [DONE]} is carried.
 *
 * <p>Allocates per event (the parse tree and template); meant for adapters and tools,
 * not for the runtime's own hot path, which uses {@link TokenEncoder} directly.
 */
public final class SseEncoder {

    static final byte TEXT = 1;
    static final byte ID = 3;
    static final byte MODEL = 4;
    static final byte CREATED = 5;
    static final byte DONE = 6;
    static final String FORMAT_KEY = "inferwire.sse";
    static final String FORMAT_VERSION = "1";

    private static final String[][] TEXT_PATHS = {
        {"choices", "0", "delta", "content"},
        {"choices", "0", "delta", "reasoning_content"},
        {"choices", "0", "delta", "reasoning"},
        {"choices", "0", "delta", "tool_calls", "0", "function", "arguments"},
        {"choices", "0", "text"},
        {"delta", "text"},
        {"delta", "thinking"},
        {"delta", "partial_json"},
    };

    private final TokenEncoder enc;
    private final WritableByteChannel out;
    private final boolean dropObfuscation;
    private StreamHeader header;
    private byte[] idLiteral;
    private byte[] modelLiteral;
    private byte[] createdLiteral;
    private long events;
    private long tokens;
    private long inputBytes;
    private boolean finished;

    private SseEncoder(Builder b, Arena arena, OutputStream out) {
        this.enc = TokenEncoder.builder()
                .streamId(b.streamId)
                .checkpointInterval(b.checkpointInterval)
                .build(arena);
        this.out = Channels.newChannel(out);
        this.dropObfuscation = b.dropObfuscation;
    }

    /** A builder: obfuscation kept, stream id 0, the token encoder's checkpoint interval. */
    public static Builder builder() {
        return new Builder();
    }

    /** Configures an {@link SseEncoder}. */
    public static final class Builder {
        private boolean dropObfuscation;
        private long streamId;
        private int checkpointInterval = 64;

        private Builder() {}

        /** Remove the top-level {@code obfuscation} member (length-hiding padding) from every event. */
        public Builder dropObfuscation(boolean drop) {
            this.dropObfuscation = drop;
            return this;
        }

        /** The stream id of the frames. */
        public Builder streamId(long id) {
            this.streamId = id;
            return this;
        }

        /** See {@link TokenEncoder.Builder#checkpointInterval}. */
        public Builder checkpointInterval(int n) {
            this.checkpointInterval = n;
            return this;
        }

        /** An encoder writing to {@code out}; its buffers come from {@code arena}. */
        public SseEncoder build(Arena arena, OutputStream out) {
            return new SseEncoder(this, arena, out);
        }
    }

    /**
     * Takes one input line: an SSE {@code data:} line, a JSON event, an empty line or an
     * SSE comment (both skipped).
     *
     * @throws UnsupportedFormatException if the line is none of these or its JSON is invalid
     * @throws IOException if writing fails
     */
    public void line(String line) throws IOException {
        inputBytes += line.getBytes(StandardCharsets.UTF_8).length + 1;
        String l = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        if (l.isEmpty() || l.startsWith(":")) {
            return;
        }
        if (l.startsWith("data:")) {
            String payload = l.substring(l.startsWith("data: ") ? 6 : 5);
            if (payload.equals("[DONE]")) {
                done();
                return;
            }
            event(payload.getBytes(StandardCharsets.UTF_8));
            return;
        }
        int colon = l.indexOf(':');
        if (colon > 0 && l.substring(0, colon).matches("event|id|retry")) {
            throw new UnsupportedFormatException("SSE field '" + l.substring(0, colon) + "' is not supported");
        }
        event(l.getBytes(StandardCharsets.UTF_8));
    }

    /** Carries the SSE end marker {@code data: [DONE]}. */
    public void done() throws IOException {
        ensureHeader(null, null);
        write(enc.encode(new TokenStep(null, null, null, null, null, null, new byte[] {DONE})));
        events++;
    }

    /**
     * Encodes one event (its JSON bytes) as one step frame and writes it.
     *
     * @throws UnsupportedFormatException if the bytes are not valid JSON in UTF-8
     */
    public void event(byte[] json) throws IOException {
        if (finished) {
            throw new IllegalStateException("encoder finished");
        }
        Json.Node root = Json.parse(json);
        ensureHeader(json, root);
        List<int[]> cuts = new ArrayList<>(); // start, end, marker (0 = delete)
        byte[] text = null;
        if (root.type == 'o') {
            for (String[] path : TEXT_PATHS) {
                Json.Node n = find(root, path);
                if (n != null && n.type == 's') {
                    byte[] t = Json.unescapeBytes(json, n.start + 1, n.end - 1);
                    if (canonical(json, n, t)) {
                        text = t;
                        cuts.add(new int[] {n.start, n.end, TEXT});
                        break;
                    }
                }
            }
            replaceIfEqual(json, root.get("id"), idLiteral, ID, cuts);
            replaceIfEqual(json, root.get("model"), modelLiteral, MODEL, cuts);
            replaceIfEqual(json, root.get("created"), createdLiteral, CREATED, cuts);
            if (dropObfuscation) {
                int i = root.keys.indexOf("obfuscation");
                if (i >= 0) {
                    int from;
                    int to;
                    if (i > 0) {
                        from = root.values.get(i - 1).end;
                        to = root.values.get(i).end;
                    } else if (root.values.size() > 1) {
                        from = root.start + 1;
                        to = keyStart(json, root.values.get(i).end);
                    } else {
                        from = root.start + 1;
                        to = root.end - 1;
                    }
                    cuts.add(new int[] {from, to, 0});
                }
            }
        }
        cuts.sort((a, b) -> Integer.compare(a[0], b[0]));
        ByteArrayOutputStream t = new ByteArrayOutputStream(json.length);
        int at = 0;
        for (int[] c : cuts) {
            if (c[0] < at) {
                continue; // nested in a span already cut (cannot happen for the paths above)
            }
            t.write(json, at, c[0] - at);
            if (c[2] != 0) {
                t.write(c[2]);
            }
            at = c[1];
        }
        t.write(json, at, json.length - at);
        write(enc.encode(new TokenStep(null, null, text, null, null, null, t.toByteArray())));
        events++;
        if (text != null && text.length > 0) {
            tokens++;
        }
    }

    /** Where the key of the member after the value ending at {@code valueEnd} starts. */
    private static int keyStart(byte[] json, int valueEnd) {
        int i = valueEnd;
        while (json[i] != ',') {
            i++;
        }
        i++;
        while (json[i] != '"') {
            i++;
        }
        return i;
    }

    private static boolean canonical(byte[] json, Json.Node n, byte[] text) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(n.end - n.start);
        Json.escape(text, o);
        return Arrays.equals(o.toByteArray(), 0, o.size(), json, n.start, n.end);
    }

    private static void replaceIfEqual(byte[] json, Json.Node n, byte[] literal, byte marker, List<int[]> cuts) {
        if (n != null && literal != null && Arrays.equals(json, n.start, n.end, literal, 0, literal.length)) {
            cuts.add(new int[] {n.start, n.end, marker});
        }
    }

    private static Json.Node find(Json.Node root, String[] path) {
        Json.Node n = root;
        for (String p : path) {
            if (n == null) {
                return null;
            }
            n = Character.isDigit(p.charAt(0)) ? n.at(Integer.parseInt(p)) : n.get(p);
        }
        return n;
    }

    private void ensureHeader(byte[] json, Json.Node root) throws IOException {
        if (header != null) {
            return;
        }
        StreamHeader.Builder h = StreamHeader.newBuilder().putMetadata(FORMAT_KEY, FORMAT_VERSION);
        if (root != null && root.type == 'o') {
            Json.Node id = root.get("id");
            if (id != null
                    && id.type == 's'
                    && canonical(json, id, Json.unescapeBytes(json, id.start + 1, id.end - 1))) {
                h.setRequestId(Json.unescape(json, id.start + 1, id.end - 1));
                idLiteral = Arrays.copyOfRange(json, id.start, id.end);
            }
            Json.Node model = root.get("model");
            if (model != null
                    && model.type == 's'
                    && canonical(json, model, Json.unescapeBytes(json, model.start + 1, model.end - 1))) {
                h.setModel(Json.unescape(json, model.start + 1, model.end - 1));
                modelLiteral = Arrays.copyOfRange(json, model.start, model.end);
            }
            Json.Node created = root.get("created");
            if (created != null && created.type == 'n') {
                String s = new String(json, created.start, created.end - created.start, StandardCharsets.US_ASCII);
                try {
                    long v = Long.parseLong(s);
                    if (Long.toString(v).equals(s)) {
                        h.setCreated(v);
                        createdLiteral = s.getBytes(StandardCharsets.US_ASCII);
                    }
                } catch (NumberFormatException e) {
                    // not an integer: stays in the template
                }
            }
        }
        header = h.build();
        write(enc.start(header));
    }

    private void write(int frameLength) throws IOException {
        var b = enc.frameBuffer();
        while (b.hasRemaining()) {
            out.write(b);
        }
    }

    /** Writes the END frame. */
    public void finish() throws IOException {
        ensureHeader(null, null);
        finished = true;
        write(enc.end());
    }

    /** Events encoded (data: [DONE] included). */
    public long events() {
        return events;
    }

    /** Events whose text piece is not empty: the token count of a provider that sends a token per chunk. */
    public long tokens() {
        return tokens;
    }

    /** Bytes written so far. */
    public long bytesWritten() {
        return enc.bytesWritten();
    }

    /** Bytes of input lines taken so far (UTF-8, one newline each). */
    public long inputBytes() {
        return inputBytes;
    }
}
