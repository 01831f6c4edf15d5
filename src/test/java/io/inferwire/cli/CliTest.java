package io.inferwire.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's contract: exit 0 on success, 1 with one line on stderr on failure, 2 on usage errors. */
class CliTest {

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void backendsListsEveryBackendWithItsStatusAndTheChoice() {
        Result r = run("backends");
        assertEquals(0, r.code, r.err);
        for (String name : new String[] {"cuda", "vector", "scalar", "native-host"}) {
            assertTrue(
                    r.out.lines().anyMatch(l -> l.startsWith(name + " ") && l.matches(".*\\b(un)?available\\b.*")),
                    name + " missing:\n" + r.out);
        }
        io.inferwire.transform.Backend cuda = io.inferwire.transform.Backends.named("cuda");
        if (!cuda.isAvailable()) {
            assertTrue(r.out.contains("unavailable  " + cuda.unavailableReason()), r.out);
        }
        assertTrue(
                r.out.contains(
                        "chosen: " + io.inferwire.transform.Backends.get().name() + " ("),
                r.out);
        assertTrue(r.out.lines().anyMatch(l -> l.startsWith("scalar ") && l.contains(" available ")), r.out);
    }

    @Test
    void demoWritesAStreamThatInspectReads(@TempDir Path dir) throws Exception {
        Path stream = dir.resolve("demo.iwf");
        Result demo = run("demo", "--out", stream.toString(), "--rows", "50", "--dim", "64", "--seed", "7");
        assertEquals(0, demo.code, demo.err);
        assertTrue(demo.out.contains("round trip OK"), demo.out);

        Result table = run("inspect", stream.toString());
        assertEquals(0, table.code, table.err);
        assertTrue(table.out.contains("KEY") && table.out.contains("TOKENS") && table.out.contains("END"), table.out);
        assertTrue(table.out.contains("0 error(s)"), table.out);

        Result json = run("inspect", "--json", stream.toString());
        assertEquals(0, json.code, json.err);
        assertTrue(json.out.contains("\"totals\"") && json.out.contains("\"kind\": \"KEY\""), json.out);

        // Cut the file short: inspect lists what it can and fails with one line on stderr.
        byte[] bytes = Files.readAllBytes(stream);
        Path cut = dir.resolve("cut.iwf");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        Result bad = run("inspect", cut.toString());
        assertEquals(1, bad.code);
        assertEquals(1, bad.err.strip().lines().count(), bad.err);
        assertTrue(bad.err.startsWith("inferwire inspect: "), bad.err);
        assertTrue(bad.out.contains("bad frame"), bad.out);
    }

    @Test
    void lz4CompressAndDecompressRoundTrip(@TempDir Path dir) throws Exception {
        byte[] data = new byte[700_000];
        new java.util.Random(3).nextBytes(data);
        for (int i = 0; i < data.length; i += 3) {
            data[i] = 'x';
        }
        Path in = dir.resolve("in.bin");
        Files.write(in, data);
        Result c = run(
                "lz4",
                "compress",
                in.toString(),
                dir.resolve("in.lz4").toString(),
                "--block-size",
                "64K",
                "--threads",
                "2");
        assertEquals(0, c.code, c.err);
        Result d = run(
                "lz4",
                "decompress",
                dir.resolve("in.lz4").toString(),
                dir.resolve("out.bin").toString());
        assertEquals(0, d.code, d.err);
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("out.bin")));

        Result same = run("lz4", "compress", in.toString(), in.toString());
        assertEquals(1, same.code);
        assertArrayEquals(data, Files.readAllBytes(in), "the input survives");

        Result corrupt =
                run("lz4", "decompress", in.toString(), dir.resolve("x").toString());
        assertEquals(1, corrupt.code);
        assertTrue(corrupt.err.contains("not an LZ4 frame"), corrupt.err);
    }

    @Test
    void failuresAreOneLineAndUsageErrorsExit2(@TempDir Path dir) {
        Result missing = run("inspect", dir.resolve("nope").toString());
        assertEquals(1, missing.code);
        assertEquals(1, missing.err.strip().lines().count(), missing.err);
        assertTrue(missing.err.contains("no such file"), missing.err);

        Result usage = run("lz4", "compress", "onlyone");
        assertEquals(2, usage.code);
        Result badSize = run("lz4", "compress", "a", "b", "--block-size", "3M");
        assertEquals(1, badSize.code);
        assertTrue(badSize.err.contains("64K, 256K, 1M or 4M"), badSize.err);

        for (String cmd : new String[] {"demo", "inspect", "lz4"}) {
            Result help = run(cmd, "--help");
            assertEquals(0, help.code);
            assertTrue(help.out.contains("Usage: inferwire " + cmd), help.out);
        }
        assertEquals(0, run("--help").code);
    }
}
