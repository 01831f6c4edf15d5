package io.inferwire.cli;

import io.inferwire.SequenceException;
import io.inferwire.StreamException;
import io.inferwire.wire.FrameStreamReader;
import io.inferwire.wire.FrameView;
import io.inferwire.wire.ReaderOptions;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code inferwire inspect FILE [--json]}: lists the frames of a stream file and totals. */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description =
                "List the frames of a stream file (kind, seq, shape, sizes, ratio) and totals; exits 1 if any frame is bad.")
final class InspectCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "stream file (varint-delimited inferwire frames)")
    Path file;

    @Option(names = "--json", description = "print JSON instead of a table")
    boolean json;

    @Option(names = "--quiet", description = "print the totals only")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        long frames = 0;
        long raw = 0;
        long wire = 0;
        int errors = 0;
        String lastError = null;
        StringBuilder js = new StringBuilder();
        StringBuilder errs = new StringBuilder();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = CliFiles.map(file, arena);
            FrameStreamReader reader = new FrameStreamReader(arena, ReaderOptions.defaults());
            reader.feed(in);
            if (!json && !quiet) {
                out.printf(
                        "%8s %8s %-7s %-10s %-13s %-14s %12s %12s %12s %8s%n",
                        "stream",
                        "seq",
                        "kind",
                        "encoding",
                        "transform",
                        "shape",
                        "raw B",
                        "stored B",
                        "frame B",
                        "ratio");
            }
            long before = reader.position();
            while (true) {
                try {
                    if (!reader.next()) {
                        break;
                    }
                } catch (StreamException e) {
                    errors++;
                    lastError = e.getMessage();
                    report(out, errs, e);
                    if (reader.framingLost()) {
                        break;
                    }
                    if (!(e instanceof SequenceException s && s.problem() == SequenceException.Problem.GAP)) {
                        before = reader.position(); // a GAP frame is handed out next: its bytes count then
                    }
                    continue;
                }
                FrameView f = reader.frame();
                long frameBytes = reader.position() - before;
                before = reader.position();
                frames++;
                // A compact token step frame stores its range-coder unit in step_bits/step.
                long rawBytes = f.isCompactStep() || f.rawSize() == 0 ? reader.dataLength() : f.rawSize();
                long storedBytes = f.isCompactStep() ? reader.dataLength() : f.payloadLength();
                raw += rawBytes;
                wire += frameBytes;
                String kind = f.kind().name().substring("FRAME_KIND_".length());
                String enc = f.isCompactStep() ? "COMPACT" : f.encoding().name().substring("ENCODING_".length());
                String shape = shape(f);
                String transform = transform(f);
                double ratio = frameBytes == 0 ? 0 : (double) rawBytes / frameBytes;
                if (json) {
                    js.append(js.isEmpty() ? "" : ",\n")
                            .append(String.format(
                                    Locale.ROOT,
                                    "    {\"stream\": %s, \"seq\": %s, \"kind\": \"%s\", \"encoding\": \"%s\", \"transform\": \"%s\", \"shape\": %s, "
                                            + "\"raw_bytes\": %d, \"stored_bytes\": %d, \"frame_bytes\": %d, \"error_bound\": %s}",
                                    Long.toUnsignedString(f.streamId()),
                                    Long.toUnsignedString(f.seq()),
                                    kind,
                                    enc,
                                    transform,
                                    shape,
                                    rawBytes,
                                    storedBytes,
                                    frameBytes,
                                    jsonNumber(f.errorBound())));
                } else if (!quiet) {
                    out.printf(
                            Locale.ROOT,
                            "%8s %8s %-7s %-10s %-13s %-14s %12d %12d %12d %8.3f%n",
                            Long.toUnsignedString(f.streamId()),
                            Long.toUnsignedString(f.seq()),
                            kind,
                            enc,
                            transform,
                            shape,
                            rawBytes,
                            storedBytes,
                            frameBytes,
                            ratio);
                }
            }
            try {
                reader.finish();
            } catch (StreamException e) {
                errors++;
                lastError = e.getMessage();
                report(out, errs, e);
            }
            double ratio = wire == 0 ? 0 : (double) raw / wire;
            if (json) {
                out.printf(
                        Locale.ROOT,
                        "{%n  \"file\": \"%s\",%n  \"frames\": [%n%s%n  ],%n  \"errors\": [%s],%n  \"totals\": {\"frames\": %d, "
                                + "\"raw_bytes\": %d, \"wire_bytes\": %d, \"file_bytes\": %d, \"ratio\": %.4f, \"errors\": %d}%n}%n",
                        escape(file.toString()),
                        js,
                        errs,
                        frames,
                        raw,
                        wire,
                        in.byteSize(),
                        ratio,
                        errors);
            } else {
                out.printf(
                        Locale.ROOT,
                        "total: %d frames, %d payload bytes, %d wire bytes (file %d), ratio %.3f, %d error(s)%n",
                        frames,
                        raw,
                        wire,
                        in.byteSize(),
                        ratio,
                        errors);
            }
        }
        if (errors > 0) {
            throw new java.io.IOException(errors + " bad frame(s) or stream(s); last: " + lastError);
        }
        return 0;
    }

    private void report(PrintStream out, StringBuilder errs, StreamException e) {
        if (json) {
            errs.append(errs.isEmpty() ? "" : ", ")
                    .append('"')
                    .append(escape(e.getMessage()))
                    .append('"');
        } else {
            out.println("  bad frame: " + e.getMessage());
        }
    }

    /** The tensor transform's short name ("-" for frames that have none, "#n" for an unknown one). */
    private static String transform(FrameView f) {
        int t = f.transformNumber();
        if (t == 0) {
            return "-";
        }
        io.inferwire.proto.v1.Transform known = io.inferwire.proto.v1.Transform.forNumber(t);
        return known == null ? "#" + t : known.name().substring("TRANSFORM_".length());
    }

    private static String shape(FrameView f) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < f.rank(); i++) {
            s.append(i == 0 ? "" : ",").append(f.dim(i));
        }
        return s.append(']').toString();
    }

    private static String jsonNumber(double d) {
        return Double.isFinite(d) ? Double.toString(d) : "null";
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
