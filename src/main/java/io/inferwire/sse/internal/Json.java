package io.inferwire.sse.internal;

import io.inferwire.UnsupportedFormatException;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON (RFC 8259) parser that keeps where every value lies in the input
 * bytes, so values can be cut out and put back byte for byte. Used per SSE event; it
 * allocates a small tree per event.
 */
public final class Json {

    /** A value and its byte span [start, end) in the input. */
    public static final class Node {
        public final char type; // o a s n t f z(null)
        public final int start;
        public int end;
        public final List<String> keys;
        public final List<Node> values;

        Node(char type, int start) {
            this.type = type;
            this.start = start;
            this.keys = type == 'o' ? new ArrayList<>() : null;
            this.values = type == 'o' || type == 'a' ? new ArrayList<>() : null;
        }

        /** The member {@code key} of an object (the first one), or null. */
        public Node get(String key) {
            if (type != 'o') {
                return null;
            }
            int i = keys.indexOf(key);
            return i < 0 ? null : values.get(i);
        }

        /** Element {@code i} of an array, or null. */
        public Node at(int i) {
            return type == 'a' && i < values.size() ? values.get(i) : null;
        }
    }

    private static final int MAX_DEPTH = 512;

    private final byte[] b;
    private int pos;

    private Json(byte[] b) {
        this.b = b;
    }

    /** Parses one JSON text; throws if it is not valid JSON in valid UTF-8. */
    public static Node parse(byte[] bytes) throws UnsupportedFormatException {
        try {
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
        } catch (CharacterCodingException e) {
            throw new UnsupportedFormatException("event is not valid UTF-8");
        }
        Json j = new Json(bytes);
        j.ws();
        Node n = j.value(0);
        j.ws();
        if (j.pos != bytes.length) {
            throw j.error("trailing bytes after the JSON value");
        }
        return n;
    }

    private UnsupportedFormatException error(String what) {
        return new UnsupportedFormatException("invalid JSON: " + what + " at byte " + pos);
    }

    private void ws() {
        while (pos < b.length && (b[pos] == ' ' || b[pos] == '\t' || b[pos] == '\n' || b[pos] == '\r')) {
            pos++;
        }
    }

    private Node value(int depth) throws UnsupportedFormatException {
        if (depth > MAX_DEPTH) {
            throw error("nested deeper than " + MAX_DEPTH);
        }
        if (pos >= b.length) {
            throw error("unexpected end");
        }
        int c = b[pos];
        Node n;
        switch (c) {
            case '{' -> {
                n = new Node('o', pos++);
                ws();
                if (peek() == '}') {
                    pos++;
                } else {
                    while (true) {
                        ws();
                        if (peek() != '"') {
                            throw error("expected a key");
                        }
                        int ks = pos;
                        string();
                        n.keys.add(unescape(b, ks + 1, pos - 1));
                        ws();
                        if (peek() != ':') {
                            throw error("expected ':'");
                        }
                        pos++;
                        ws();
                        n.values.add(value(depth + 1));
                        ws();
                        int d = peek();
                        pos++;
                        if (d == '}') {
                            break;
                        }
                        if (d != ',') {
                            throw error("expected ',' or '}'");
                        }
                    }
                }
            }
            case '[' -> {
                n = new Node('a', pos++);
                ws();
                if (peek() == ']') {
                    pos++;
                } else {
                    while (true) {
                        ws();
                        n.values.add(value(depth + 1));
                        ws();
                        int d = peek();
                        pos++;
                        if (d == ']') {
                            break;
                        }
                        if (d != ',') {
                            throw error("expected ',' or ']'");
                        }
                    }
                }
            }
            case '"' -> {
                n = new Node('s', pos);
                string();
            }
            case 't' -> {
                n = new Node('t', pos);
                literal("true");
            }
            case 'f' -> {
                n = new Node('f', pos);
                literal("false");
            }
            case 'n' -> {
                n = new Node('z', pos);
                literal("null");
            }
            default -> {
                n = new Node('n', pos);
                number();
            }
        }
        n.end = pos;
        return n;
    }

    private int peek() throws UnsupportedFormatException {
        if (pos >= b.length) {
            throw error("unexpected end");
        }
        return b[pos];
    }

    private void literal(String s) throws UnsupportedFormatException {
        for (int i = 0; i < s.length(); i++) {
            if (pos >= b.length || b[pos] != s.charAt(i)) {
                throw error("bad literal");
            }
            pos++;
        }
    }

    private void number() throws UnsupportedFormatException {
        int s = pos;
        if (pos < b.length && b[pos] == '-') {
            pos++;
        }
        if (pos < b.length && b[pos] == '0') {
            pos++;
        } else if (pos < b.length && b[pos] >= '1' && b[pos] <= '9') {
            digits();
        } else {
            throw error("bad value");
        }
        if (pos < b.length && b[pos] == '.') {
            pos++;
            if (digits() == 0) {
                throw error("bad fraction");
            }
        }
        if (pos < b.length && (b[pos] == 'e' || b[pos] == 'E')) {
            pos++;
            if (pos < b.length && (b[pos] == '+' || b[pos] == '-')) {
                pos++;
            }
            if (digits() == 0) {
                throw error("bad exponent");
            }
        }
        if (pos == s) {
            throw error("bad value");
        }
    }

    private int digits() {
        int n = 0;
        while (pos < b.length && b[pos] >= '0' && b[pos] <= '9') {
            pos++;
            n++;
        }
        return n;
    }

    private void string() throws UnsupportedFormatException {
        pos++;
        while (true) {
            if (pos >= b.length) {
                throw error("unterminated string");
            }
            int c = b[pos] & 0xFF;
            if (c == '"') {
                pos++;
                return;
            }
            if (c < 0x20) {
                throw error("control character in a string");
            }
            if (c == '\\') {
                pos++;
                if (pos >= b.length) {
                    throw error("unterminated escape");
                }
                int e = b[pos];
                if (e == 'u') {
                    for (int i = 0; i < 4; i++) {
                        pos++;
                        if (pos >= b.length || Character.digit(b[pos], 16) < 0) {
                            throw error("bad \\u escape");
                        }
                    }
                } else if ("\"\\/bfnrt".indexOf(e) < 0) {
                    throw error("bad escape");
                }
            }
            pos++;
        }
    }

    /** The text of a string literal's contents {@code b[from, to)} (escapes resolved). */
    public static String unescape(byte[] b, int from, int to) {
        return new String(unescapeBytes(b, from, to), StandardCharsets.UTF_8);
    }

    /**
     * The UTF-8 bytes of a string literal's contents {@code b[from, to)} with escapes
     * resolved; a lone surrogate escape becomes U+FFFD (such literals do not round-trip,
     * which {@link #escape} callers detect by comparing).
     */
    public static byte[] unescapeBytes(byte[] b, int from, int to) {
        StringBuilder sb = null;
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        int i = from;
        while (i < to) {
            int c = b[i] & 0xFF;
            if (c != '\\') {
                out.write(c);
                i++;
                continue;
            }
            int e = b[i + 1];
            i += 2;
            switch (e) {
                case 'b' -> out.write('\b');
                case 'f' -> out.write('\f');
                case 'n' -> out.write('\n');
                case 'r' -> out.write('\r');
                case 't' -> out.write('\t');
                case 'u' -> {
                    int u = Integer.parseInt(new String(b, i, 4, StandardCharsets.US_ASCII), 16);
                    i += 4;
                    if (Character.isHighSurrogate((char) u) && i + 6 <= to && b[i] == '\\' && b[i + 1] == 'u') {
                        int lo = Integer.parseInt(new String(b, i + 2, 4, StandardCharsets.US_ASCII), 16);
                        if (Character.isLowSurrogate((char) lo)) {
                            i += 6;
                            out.writeBytes(Character.toString(Character.toCodePoint((char) u, (char) lo))
                                    .getBytes(StandardCharsets.UTF_8));
                            continue;
                        }
                    }
                    if (sb == null) {
                        sb = new StringBuilder();
                    }
                    sb.setLength(0);
                    sb.append((char) u);
                    out.writeBytes(sb.toString().getBytes(StandardCharsets.UTF_8));
                }
                default -> out.write(e);
            }
        }
        return out.toByteArray();
    }

    /** Appends the canonical JSON string literal (quotes included) of UTF-8 bytes. */
    public static void escape(byte[] s, ByteArrayOutputStream out) {
        out.write('"');
        for (byte x : s) {
            int c = x & 0xFF;
            switch (c) {
                case '"' -> out.writeBytes(new byte[] {'\\', '"'});
                case '\\' -> out.writeBytes(new byte[] {'\\', '\\'});
                case '\n' -> out.writeBytes(new byte[] {'\\', 'n'});
                case '\r' -> out.writeBytes(new byte[] {'\\', 'r'});
                case '\t' -> out.writeBytes(new byte[] {'\\', 't'});
                case '\b' -> out.writeBytes(new byte[] {'\\', 'b'});
                case '\f' -> out.writeBytes(new byte[] {'\\', 'f'});
                default -> {
                    if (c < 0x20) {
                        out.writeBytes(String.format("\\u%04x", c).getBytes(StandardCharsets.US_ASCII));
                    } else {
                        out.write(c);
                    }
                }
            }
        }
        out.write('"');
    }

    /** A generic value for semantic comparison: maps keep key order, numbers are BigDecimal. */
    public static Object toValue(byte[] b, Node n) {
        return switch (n.type) {
            case 'o' -> {
                Map<String, Object> m = new LinkedHashMap<>();
                for (int i = 0; i < n.keys.size(); i++) {
                    m.put(n.keys.get(i), toValue(b, n.values.get(i)));
                }
                yield m;
            }
            case 'a' -> {
                List<Object> l = new ArrayList<>();
                for (Node v : n.values) {
                    l.add(toValue(b, v));
                }
                yield l;
            }
            case 's' -> unescape(b, n.start + 1, n.end - 1);
            case 'n' -> new BigDecimal(new String(b, n.start, n.end - n.start, StandardCharsets.US_ASCII));
            case 't' -> Boolean.TRUE;
            case 'f' -> Boolean.FALSE;
            default -> "\u0000null";
        };
    }
}
