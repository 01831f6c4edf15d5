package io.inferwire.bench;

import io.inferwire.bench.report.Json;
import io.inferwire.bench.report.SvgChart;
import io.inferwire.bench.report.Table;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Tables, JSON and charts of the results. */
final class Report {

    private Report() {}

    static final String GZIP_MESSAGE = "JSON + gzip per message";
    static final String GZIP_STREAM = "JSON + gzip stream";

    private static Table resultTable(List<Result> rs, boolean tokens) {
        Result json = rs.get(0);
        Result gz = find(rs, GZIP_STREAM);
        Table t = new Table(
                "format",
                tokens ? "B/token" : "B/value",
                "x raw JSON",
                "x JSON+gzip stream",
                "saved vs gzip stream",
                "max abs error",
                "encode MB/s",
                "decode MB/s");
        for (Result r : rs) {
            t.row(
                    r.format(),
                    f(r.perUnit(), 3),
                    f((double) json.bytes() / r.bytes(), 2),
                    f((double) gz.bytes() / r.bytes(), 2),
                    String.format(Locale.ROOT, "%.1f%%", 100.0 * (1 - (double) r.bytes() / gz.bytes())),
                    r.maxError() == 0 ? "0" : String.format(Locale.ROOT, "%.3g", r.maxError()),
                    f(r.encodeMBs(), 1),
                    f(r.decodeMBs(), 1));
        }
        return t;
    }

    /** The terminal table of one workload. */
    static String table(String title, List<Result> rs, boolean tokens) {
        return "\n" + title + "\n" + resultTable(rs, tokens).render();
    }

    static Result find(List<Result> rs, String format) {
        for (Result r : rs) {
            if (r.format().equals(format)) {
                return r;
            }
        }
        throw new IllegalStateException("no " + format + " in " + rs.get(0).workload());
    }

    static String f(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static Table lz4(List<Lz4Settings.Row> rows) {
        int cores = rows.isEmpty() ? 1 : rows.get(0).cores();
        Table t = new Table(
                "workload",
                "input",
                "block",
                "compressor",
                "ratio",
                "compress MB/s, 1 core",
                "compress MB/s, " + cores + " cores",
                "decompress MB/s, 1 core");
        for (Lz4Settings.Row r : rows) {
            t.row(
                    r.workload(),
                    r.input(),
                    r.blockSize(),
                    r.compressor(),
                    f(r.ratio(), 3),
                    f(r.compressMBs(), 0),
                    f(r.compressAllCoresMBs(), 0),
                    f(r.decompressMBs(), 0));
        }
        return t;
    }

    /** LZ4 frame settings on the raw float32 bytes of the tensor workloads. */
    static String lz4Table(List<Lz4Settings.Row> rows) {
        return "\nLZ4 frame: block size x compressor, on raw float32 and on XOR + byte planes\n"
                + lz4(rows).render();
    }

    /** The seed's headline on each workload: which rows it compares. */
    record Headline(
            String workload, double responseUnits, Result gzipMessage, Result gzipStream, Result seed, Result ours) {
        static double mbit(Result r) {
            return (double) r.bytes() / r.responses() * 1000 * 8 / 1e6;
        }
    }

    static List<Headline> headlines(List<Result> all) {
        Set<String> workloads = new LinkedHashSet<>();
        all.forEach(r -> workloads.add(r.workload()));
        List<Headline> out = new ArrayList<>();
        for (String w : workloads) {
            List<Result> rs = all.stream().filter(r -> r.workload().equals(w)).toList();
            boolean tokens = rs.get(0).format().equals("JSON SSE");
            Result seed = tokens
                    ? find(rs, "seed: protobuf + LZ4 per message")
                    : find(rs, "seed: protobuf + open-loop delta + LZ4");
            Result ours = tokens ? find(rs, "inferwire SSE (byte-exact JSON)") : find(rs, "inferwire 1e-4");
            out.add(new Headline(
                    w,
                    (double) rs.get(0).units() / rs.get(0).responses(),
                    find(rs, GZIP_MESSAGE),
                    find(rs, GZIP_STREAM),
                    seed,
                    ours));
        }
        return out;
    }

    private static Table headline(List<Result> all) {
        Table t = new Table(
                "workload",
                "tokens or values / response",
                "JSON+gzip per msg",
                "JSON+gzip stream",
                "seed",
                "inferwire",
                "saved vs gzip per msg",
                "saved vs gzip stream");
        for (Headline h : headlines(all)) {
            t.row(
                    h.workload(),
                    f(h.responseUnits(), 1),
                    f(Headline.mbit(h.gzipMessage()), 2),
                    f(Headline.mbit(h.gzipStream()), 2),
                    f(Headline.mbit(h.seed()), 2),
                    f(Headline.mbit(h.ours()), 2),
                    String.format(
                            Locale.ROOT,
                            "%.1f%%",
                            100 * (1 - Headline.mbit(h.ours()) / Headline.mbit(h.gzipMessage()))),
                    String.format(
                            Locale.ROOT,
                            "%.1f%%",
                            100 * (1 - Headline.mbit(h.ours()) / Headline.mbit(h.gzipStream()))));
        }
        return t;
    }

    /** Mbit/s at 1000 responses/s per format, as the seed's headline. */
    static String headlineTable(List<Result> all) {
        return "\nBandwidth at 1000 responses/s, Mbit/s (seed = protobuf + LZ4 per message for tokens, + open-loop"
                + " delta 1e-4 for tensors; inferwire = byte-exact SSE for tokens, error bound 1e-4 for tensors)\n"
                + headline(all).render();
    }

    static String slug(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    }

    /** Writes results.json, report.md and the charts to {@code dir} (and the JSON to {@code json} too). */
    static void write(
            Path dir, Path json, List<Result> all, List<Lz4Settings.Row> lz4, List<String> notes, boolean quick)
            throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("generated", Instant.now().toString());
        root.put("quick", quick);
        root.put("machine", machine());
        root.put(
                "timing",
                "one thread; fastest of repeated runs after one warm-up run; MB/s of input: JSON SSE"
                        + " bytes for token workloads, float32 bytes for tensor workloads");
        root.put("notes", notes);
        List<Object> rs = new ArrayList<>();
        for (Result r : all) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("workload", r.workload());
            m.put("format", r.format());
            m.put("group", r.group());
            m.put("bytes", r.bytes());
            m.put("units", r.units());
            m.put("responses", r.responses());
            m.put("bytesPerUnit", r.perUnit());
            m.put("maxAbsError", r.maxError());
            m.put("encodeMBps", r.encodeMBs());
            m.put("decodeMBps", r.decodeMBs());
            rs.add(m);
        }
        root.put("results", rs);
        List<Object> ls = new ArrayList<>();
        for (Lz4Settings.Row r : lz4) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("workload", r.workload());
            m.put("input", r.input());
            m.put("blockSize", r.blockSize());
            m.put("compressor", r.compressor());
            m.put("inputBytes", r.inputBytes());
            m.put("compressedBytes", r.compressedBytes());
            m.put("ratio", r.ratio());
            m.put("compressMBps1Core", r.compressMBs());
            m.put("compressMBpsAllCores", r.compressAllCoresMBs());
            m.put("cores", r.cores());
            m.put("decompressMBps1Core", r.decompressMBs());
            ls.add(m);
        }
        root.put("lz4", ls);
        List<Object> hs = new ArrayList<>();
        for (Headline h : headlines(all)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("workload", h.workload());
            m.put("jsonGzipPerMessageMbps", Headline.mbit(h.gzipMessage()));
            m.put("jsonGzipStreamMbps", Headline.mbit(h.gzipStream()));
            m.put("seedMbps", Headline.mbit(h.seed()));
            m.put("seedFormat", h.seed().format());
            m.put("inferwireMbps", Headline.mbit(h.ours()));
            m.put("inferwireFormat", h.ours().format());
            hs.add(m);
        }
        root.put("headline1000ResponsesPerSecond", hs);
        String text = Json.write(root);
        Files.writeString(dir.resolve("results.json"), text, StandardCharsets.UTF_8);
        if (json != null) {
            Path parent = json.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(json, text, StandardCharsets.UTF_8);
        }

        StringBuilder md = new StringBuilder("# inferwire bench report\n\n");
        md.append("Generated ")
                .append(root.get("generated"))
                .append(quick ? " with `--quick`" : "")
                .append(" on ")
                .append(machine().get("cpu"))
                .append(", ")
                .append(machine().get("cores"))
                .append(" cores, ")
                .append(machine().get("java"))
                .append(".\n")
                .append("Speeds: one thread, fastest of repeated runs after a warm-up; MB/s of JSON SSE bytes for"
                        + " token workloads, of float32 bytes for tensor workloads.\n");
        for (String n : notes) {
            md.append("\nNote: ").append(n).append('\n');
        }
        Set<String> workloads = new LinkedHashSet<>();
        all.forEach(r -> workloads.add(r.workload()));
        for (String w : workloads) {
            List<Result> wr = all.stream().filter(r -> r.workload().equals(w)).toList();
            boolean tokens = wr.get(0).format().equals("JSON SSE");
            String unit = tokens ? "bytes per token" : "bytes per value";
            List<SvgChart.Bar> bars = new ArrayList<>();
            for (Result r : wr) {
                bars.add(new SvgChart.Bar(r.format(), r.perUnit(), r.group()));
            }
            String s = slug(w);
            Files.writeString(dir.resolve(s + "-bytes.svg"), SvgChart.bars(w + ": " + unit, unit, bars, true));
            List<String> names = wr.stream().map(Result::format).toList();
            double[][] speed = new double[wr.size()][];
            for (int i = 0; i < wr.size(); i++) {
                speed[i] = new double[] {wr.get(i).encodeMBs(), wr.get(i).decodeMBs()};
            }
            Files.writeString(
                    dir.resolve(s + "-speed.svg"),
                    SvgChart.groupedBars(
                            w + ": MB/s on one core", "MB/s", names, List.of("encode", "decode"), speed, true));
            md.append("\n## ")
                    .append(w)
                    .append("\n\n")
                    .append(resultTable(wr, tokens).markdown())
                    .append("\n![")
                    .append(unit)
                    .append("](")
                    .append(s)
                    .append("-bytes.svg)\n")
                    .append("![speed](")
                    .append(s)
                    .append("-speed.svg)\n");
        }
        md.append("\n## Bandwidth at 1000 responses/s (Mbit/s)\n\n")
                .append(headline(all).markdown());
        md.append("\n## LZ4 frame: block size and compressor, on raw float32 and on XOR + byte planes\n\n")
                .append(lz4(lz4).markdown());
        Files.writeString(dir.resolve("report.md"), md.toString(), StandardCharsets.UTF_8);
    }

    static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        m.put("cpu", cpu());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        return m;
    }

    private static String cpu() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    return l.substring(l.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the architecture is what we know
        }
        return System.getProperty("os.arch");
    }
}
