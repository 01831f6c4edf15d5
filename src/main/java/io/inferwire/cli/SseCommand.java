package io.inferwire.cli;

import io.inferwire.UnsupportedFormatException;
import io.inferwire.sse.SseDecoder;
import io.inferwire.sse.SseEncoder;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code encode-sse}, {@code decode-sse} and {@code sse-stats}: OpenAI chat-completion SSE streams as token streams. */
final class SseCommand {

    private SseCommand() {}

    /** Encodes a file of events; returns the encoder (for its counts). */
    static SseEncoder encode(Path in, OutputStream out, boolean drop, int checkpoint) throws IOException {
        try (Arena arena = Arena.ofConfined();
                BufferedReader r = Files.newBufferedReader(in, StandardCharsets.UTF_8)) {
            SseEncoder enc = SseEncoder.builder()
                    .dropObfuscation(drop)
                    .checkpointInterval(checkpoint)
                    .build(arena, out);
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                try {
                    enc.line(line);
                } catch (UnsupportedFormatException e) {
                    throw new UnsupportedFormatException(in + " line " + n + ": " + e.getMessage());
                }
            }
            enc.finish();
            out.flush();
            return enc;
        }
    }

    @Command(
            name = "encode-sse",
            mixinStandardHelpOptions = true,
            description =
                    "Encode OpenAI chat.completion.chunk events (SSE data: lines or JSON lines) as a token stream.")
    static final class Encode implements Callable<Integer> {
        @Parameters(index = "0", description = "input: SSE or JSON lines")
        Path in;

        @Parameters(index = "1", description = "output token stream")
        Path out;

        @Option(names = "--drop-obfuscation", description = "remove the length-hiding 'obfuscation' padding")
        boolean drop;

        @Option(
                names = "--checkpoint",
                defaultValue = "64",
                description = "a full (checked) frame every N steps; 0 = only at END (default ${DEFAULT-VALUE})")
        int checkpoint;

        @Override
        public Integer call() throws Exception {
            CliFiles.checkDistinct(in, out);
            try (OutputStream o = new java.io.BufferedOutputStream(Files.newOutputStream(out))) {
                SseEncoder enc = encode(in, o, drop, checkpoint);
                System.out.printf(
                        "%s: %,d events, %,d tokens, %,d -> %,d bytes (%.2f B/token)%n",
                        out,
                        enc.events(),
                        enc.tokens(),
                        enc.inputBytes(),
                        enc.bytesWritten(),
                        enc.tokens() == 0 ? 0.0 : (double) enc.bytesWritten() / enc.tokens());
            }
            return 0;
        }
    }

    @Command(
            name = "decode-sse",
            mixinStandardHelpOptions = true,
            description = "Decode a token stream written by encode-sse into JSON lines (or SSE with --sse).")
    static final class Decode implements Callable<Integer> {
        @Parameters(index = "0", description = "input token stream")
        Path in;

        @Parameters(index = "1", description = "output: JSON lines")
        Path out;

        @Option(names = "--sse", description = "write SSE data: events (and data: [DONE]) instead of JSON lines")
        boolean sse;

        @Override
        public Integer call() throws Exception {
            CliFiles.checkDistinct(in, out);
            try (InputStream i = Files.newInputStream(in);
                    OutputStream o = new java.io.BufferedOutputStream(Files.newOutputStream(out))) {
                long n = SseDecoder.decode(i, o, sse);
                System.out.printf("%s: %,d events%n", out, n);
            }
            return 0;
        }
    }

    @Command(
            name = "sse-stats",
            mixinStandardHelpOptions = true,
            description = "Bytes per token of OpenAI chat.completion.chunk recordings: JSON lines, gzip flushed per"
                    + " event, inferwire with obfuscation kept and dropped. Every file is round-tripped and checked.")
    static final class Stats implements Callable<Integer> {
        @Parameters(description = "files, or folders whose *.chunks.txt files in OpenAI chunk format are used")
        List<Path> inputs;

        @Option(
                names = "--checkpoint",
                defaultValue = "64",
                description = "a full (checked) frame every N steps; 0 = only at END (default ${DEFAULT-VALUE})")
        int checkpoint;

        @Override
        public Integer call() throws Exception {
            List<Path> files = new ArrayList<>();
            for (Path p : inputs) {
                if (Files.isDirectory(p)) {
                    try (Stream<Path> s = Files.list(p)) {
                        s.filter(f -> f.getFileName().toString().endsWith(".chunks.txt"))
                                .filter(Stats::openAiChunks)
                                .sorted()
                                .forEach(files::add);
                    }
                } else {
                    files.add(p);
                }
            }
            System.out.printf(
                    "%-40s %6s %6s %9s %9s %9s %9s %9s%n",
                    "file", "events", "tokens", "JSONL", "SSE", "gzip/evt", "iw kept", "iw drop");
            long[] tot = new long[7];
            for (Path f : files) {
                long[] r = measure(f, checkpoint);
                for (int i = 0; i < r.length; i++) {
                    tot[i] += r[i];
                }
                row(f.getFileName().toString(), r);
            }
            row("TOTAL (bytes / tokens)", tot);
            System.out.println("B/token = stream bytes / tokens; tokens = events with a non-empty text piece"
                    + " (delta.content, reasoning, tool arguments); gzip = one Deflater, SYNC_FLUSH per event.");
            return 0;
        }

        private static void row(String name, long[] r) {
            double t = Math.max(1, r[1]);
            System.out.printf(
                    "%-40s %6d %6d %9.2f %9.2f %9.2f %9.2f %9.2f%n",
                    name, r[0], r[1], r[2] / t, r[3] / t, r[4] / t, r[5] / t, r[6] / t);
        }

        static boolean openAiChunks(Path f) {
            try {
                return Files.readString(f).contains("\"chat.completion.chunk\"");
            } catch (IOException e) {
                return false;
            }
        }

        /** events, tokens, jsonl bytes, sse bytes, gzip bytes, kept bytes, dropped bytes. */
        static long[] measure(Path f, int checkpoint) throws IOException {
            List<String> events = new ArrayList<>();
            for (String l : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                String s = l.startsWith("data: ") ? l.substring(6) : l;
                if (!s.isBlank() && !s.equals("[DONE]")) {
                    events.add(s);
                }
            }
            long jsonl = 0;
            long sse = 0;
            Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
            byte[] buf = new byte[1 << 16];
            long gz = 18; // gzip header and trailer
            for (String e : events) {
                byte[] b = (e + "\n").getBytes(StandardCharsets.UTF_8);
                jsonl += b.length;
                sse += b.length + 7; // "data: " and the blank line
                d.setInput(b);
                int n;
                while ((n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH)) > 0) {
                    gz += n;
                    if (n < buf.length) {
                        break;
                    }
                }
            }
            d.end();
            ByteArrayOutputStream kept = new ByteArrayOutputStream();
            SseEncoder enc = encode(f, kept, false, checkpoint);
            ByteArrayOutputStream dropped = new ByteArrayOutputStream();
            encode(f, dropped, true, checkpoint);
            ByteArrayOutputStream back = new ByteArrayOutputStream();
            SseDecoder.decode(new ByteArrayInputStream(kept.toByteArray()), back, false);
            StringBuilder want = new StringBuilder();
            for (String e : events) {
                want.append(e).append('\n');
            }
            if (!want.toString().equals(back.toString(StandardCharsets.UTF_8))) {
                throw new IllegalStateException(f + ": round trip differs");
            }
            return new long[] {events.size(), enc.tokens(), jsonl, sse, gz, kept.size(), dropped.size()};
        }
    }
}
