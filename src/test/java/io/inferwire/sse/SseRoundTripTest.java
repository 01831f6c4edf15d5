package io.inferwire.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.inferwire.Seeds;
import io.inferwire.StreamException;
import io.inferwire.TestArena;
import io.inferwire.UnsupportedFormatException;
import io.inferwire.sse.internal.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SseRoundTripTest {

    static final Path SHARED = Path.of("../shared/data/sse");

    static byte[] encode(List<String> lines, boolean drop) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TestArena arena = TestArena.open()) {
            SseEncoder enc = SseEncoder.builder().dropObfuscation(drop).build(arena, out);
            for (String l : lines) {
                enc.line(l);
            }
            enc.finish();
        }
        return out.toByteArray();
    }

    static String decode(byte[] stream, boolean sse) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SseDecoder.decode(new ByteArrayInputStream(stream), out, sse);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The JSON payloads of the input lines, as the decoder writes them (JSON lines). */
    static List<String> payloads(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            String s = l.startsWith("data: ") ? l.substring(6) : l;
            if (!s.isBlank() && !s.equals("[DONE]")) {
                out.add(s);
            }
        }
        return out;
    }

    static List<String> fixture(String name) throws IOException {
        try (InputStream in = SseRoundTripTest.class.getResourceAsStream("/sse/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    static Object value(String json) throws UnsupportedFormatException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return Json.toValue(b, Json.parse(b));
    }

    /** Byte-exact with obfuscation kept; semantically equal (minus obfuscation) with it dropped. */
    static void assertRoundTrip(String name, List<String> lines) throws IOException {
        List<String> want = payloads(lines);
        byte[] kept = encode(lines, false);
        List<String> got = decode(kept, false).lines().toList();
        assertEquals(want.size(), got.size(), name);
        for (int i = 0; i < want.size(); i++) {
            assertEquals(want.get(i), got.get(i), name + " event " + i);
            assertEquals(value(want.get(i)), value(got.get(i)), name + " event " + i);
        }
        List<String> dropped = decode(encode(lines, true), false).lines().toList();
        assertEquals(want.size(), dropped.size(), name);
        for (int i = 0; i < want.size(); i++) {
            Object w = value(want.get(i));
            if (w instanceof Map<?, ?> m) {
                m.remove("obfuscation");
            }
            Object g = value(dropped.get(i));
            assertEquals(w, g, name + " event " + i + " (obfuscation dropped)");
            assertTrue(!(g instanceof Map<?, ?> gm) || !gm.containsKey("obfuscation"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai-small.sse", "openai-tools-logprobs.jsonl", "anthropic-small.jsonl"})
    void fixturesRoundTrip(String name) throws IOException {
        assertRoundTrip(name, fixture(name));
    }

    /** Random content (controls, quotes, surrogate pairs, escaped or raw) survives byte for byte. */
    @net.jqwik.api.Property(tries = 60)
    void randomContentRoundTrips(@net.jqwik.api.ForAll long seed) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<String> lines = new ArrayList<>();
        int n = rnd.nextInt(1, 30);
        for (int i = 0; i < n; i++) {
            StringBuilder content = new StringBuilder();
            int len = rnd.nextInt(0, 8);
            boolean asciiEscapes = rnd.nextInt(4) == 0;
            for (int k = 0; k < len; k++) {
                int cp = switch (rnd.nextInt(6)) {
                    case 0 -> rnd.nextInt(0, 0x20);
                    case 1 -> "\"\\/ ".charAt(rnd.nextInt(4));
                    case 2 -> rnd.nextInt(0x80, 0x800);
                    case 3 -> rnd.nextInt(0x1F600, 0x1F650);
                    default -> rnd.nextInt(0x20, 0x7F);
                };
                content.append(jsonChar(cp, asciiEscapes));
            }
            String obf = rnd.nextBoolean() ? ",\"obfuscation\":\"" + Long.toHexString(rnd.nextLong()) + "\"" : "";
            lines.add((rnd.nextBoolean() ? "data: " : "") + "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
                    + "\"created\":" + (rnd.nextInt(3) + 1) + ",\"model\":\"m\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"content\":\"" + content + "\"},\"finish_reason\":null}]" + obf + "}");
        }
        assertRoundTrip("random " + seed, lines);
    }

    private static String jsonChar(int cp, boolean asciiEscapes) {
        if (cp == '"' || cp == '\\') {
            return "\\" + (char) cp;
        }
        if (cp < 0x20 || (asciiEscapes && cp > 0x7E)) {
            StringBuilder b = new StringBuilder();
            for (char c : Character.toChars(cp)) {
                b.append(String.format(asciiEscapes && cp > 0x7E ? "\\u%04X" : "\\u%04x", (int) c));
            }
            return b.toString();
        }
        return Character.toString(cp);
    }

    @Test
    void sseOutputReproducesTheSseInput() throws IOException {
        List<String> lines = fixture("openai-small.sse");
        String in = String.join("\n", lines) + "\n";
        assertEquals(in, decode(encode(lines, false), true));
    }

    @Test
    void headerCarriesIdModelCreated() throws IOException {
        byte[] s = encode(fixture("openai-small.sse"), false);
        try (TestArena arena = TestArena.open()) {
            var reader = new io.inferwire.wire.FrameStreamReader(arena);
            var dec = new io.inferwire.tokens.TokenDecoder();
            var seg = arena.allocate(s.length);
            seg.copyFrom(java.lang.foreign.MemorySegment.ofArray(s));
            reader.feed(seg);
            assertTrue(reader.next());
            dec.accept(reader);
            assertEquals("chatcmpl-test1", dec.header().getRequestId());
            assertEquals("test-model", dec.header().getModel());
            assertEquals(1700000001L, dec.header().getCreated());
            while (reader.next()) {
                dec.accept(reader);
            }
            reader.finish();
        }
    }

    @Test
    void badInputIsATypedError() {
        assertThrows(UnsupportedFormatException.class, () -> encode(List.of("not json"), false));
        assertThrows(UnsupportedFormatException.class, () -> encode(List.of("{\"a\":1,}"), false));
        assertThrows(UnsupportedFormatException.class, () -> encode(List.of("event: message"), false));
        assertThrows(UnsupportedFormatException.class, () -> encode(List.of("data: {\"a\":01}"), false));
        assertThrows(UnsupportedFormatException.class, () -> encode(List.of("{\"a\":\"\u0001\"}"), false));
    }

    @Test
    void damagedEncodedStreamsFailTyped() throws IOException {
        byte[] good = encode(fixture("openai-small.sse"), false);
        SplittableRandom rnd = Seeds.random("damagedEncodedStreamsFailTyped");
        int detected = 0;
        for (int t = 0; t < 300; t++) {
            byte[] bad = good.clone();
            if (rnd.nextBoolean()) {
                bad[rnd.nextInt(bad.length)] ^= (byte) (1 << rnd.nextInt(8));
            } else {
                bad = java.util.Arrays.copyOf(bad, rnd.nextInt(bad.length));
            }
            try {
                String out = decode(bad, false);
                if (!out.equals(decode(good, false))) {
                    fail("damage went undetected and changed the output");
                }
            } catch (StreamException e) {
                detected++;
            }
        }
        assertTrue(detected > 250, "detected " + detected);
    }

    static Stream<Path> sharedOpenAiFiles() throws IOException {
        if (!Files.isDirectory(SHARED)) {
            return Stream.empty();
        }
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(SHARED)) {
            for (Path p : s.sorted().toList()) {
                if (p.getFileName().toString().endsWith(".chunks.txt")
                        && Files.readString(p).contains("\"chat.completion.chunk\"")) {
                    files.add(p);
                }
            }
        }
        return files.stream();
    }

    /** Every OpenAI-format recording in ../shared/data/sse round-trips (skipped when the folder is absent). */
    @Test
    void sharedRecordingsRoundTrip() throws IOException {
        Assumptions.assumeTrue(
                Files.isDirectory(SHARED), "SKIPPED: " + SHARED.toAbsolutePath() + " is absent (development data)");
        List<Path> files = sharedOpenAiFiles().toList();
        assertTrue(files.size() >= 15, "found " + files.size() + " OpenAI-format recordings");
        for (Path f : files) {
            assertRoundTrip(f.getFileName().toString(), Files.readAllLines(f, StandardCharsets.UTF_8));
        }
    }

    // No invocation (and sharedRecordingsRoundTrip reports the skip) when ../shared is absent.
    @ParameterizedTest(allowZeroInvocations = true)
    @MethodSource("sharedOpenAiFiles")
    void sharedRecordingDecodesFromFrames(Path f) throws IOException {
        // Also decodes when fed one byte at a time through the frame reader.
        byte[] s = encode(Files.readAllLines(f, StandardCharsets.UTF_8), true);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream slow = new InputStream() {
            int at;

            @Override
            public int read() {
                return at < s.length ? s[at++] & 0xFF : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (at >= s.length) {
                    return -1;
                }
                b[off] = s[at++];
                return 1;
            }
        };
        SseDecoder.decode(slow, out, false);
        assertEquals(decode(s, false), out.toString(StandardCharsets.UTF_8));
    }
}
