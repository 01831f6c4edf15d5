package io.inferwire.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SseCliTest {

    private static Path fixture(Path dir, String name) throws Exception {
        Path p = dir.resolve(name);
        try (InputStream in = SseCliTest.class.getResourceAsStream("/sse/" + name)) {
            Files.write(p, in.readAllBytes());
        }
        return p;
    }

    @Test
    void encodeDecodeStatsAndInspect(@TempDir Path dir) throws Exception {
        Path in = fixture(dir, "openai-small.sse");
        Path enc = dir.resolve("s.iwf");
        CliTest.Result e = CliTest.run("encode-sse", in.toString(), enc.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("8 events") && e.out().contains("B/token"), e.out());

        Path out = dir.resolve("s.jsonl");
        CliTest.Result d = CliTest.run("decode-sse", enc.toString(), out.toString());
        assertEquals(0, d.code(), d.err());
        StringBuilder want = new StringBuilder();
        for (String l : Files.readAllLines(in)) {
            if (l.startsWith("data: {")) {
                want.append(l.substring(6)).append('\n');
            }
        }
        assertEquals(want.toString(), Files.readString(out, StandardCharsets.UTF_8));

        CliTest.Result inspect = CliTest.run("inspect", enc.toString());
        assertEquals(0, inspect.code(), inspect.err() + inspect.out());

        CliTest.Result stats = CliTest.run("sse-stats", in.toString());
        assertEquals(0, stats.code(), stats.err());
        assertTrue(stats.out().contains("TOTAL"), stats.out());

        Path bad = dir.resolve("bad.txt");
        Files.writeString(bad, "hello\n");
        CliTest.Result r =
                CliTest.run("encode-sse", bad.toString(), dir.resolve("x").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("invalid JSON"), r.err());

        Files.write(enc, java.util.Arrays.copyOf(Files.readAllBytes(enc), (int) Files.size(enc) - 2));
        CliTest.Result cut = CliTest.run("decode-sse", enc.toString(), out.toString());
        assertEquals(1, cut.code());
    }
}
