package io.inferwire.cli;

import static io.inferwire.memory.Layouts.FLOAT_LE;

import io.inferwire.proto.v1.FrameKind;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.wire.FrameEncoder;
import io.inferwire.wire.FrameStreamReader;
import io.inferwire.wire.FrameStreamWriter;
import io.inferwire.wire.FrameView;
import io.inferwire.wire.ReaderOptions;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code inferwire demo}: writes a stream of data it makes itself (a header, token-text
 * frames and float32 tensor rows), reads it back fed in random chunks, checks every
 * frame against what was written, and prints the sizes.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description =
                "Round trip on generated data: write a frame stream file, read it back in random chunks, verify, report.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--out", description = "stream file to write (default: a temporary file, deleted after)")
    Path out;

    @Option(names = "--rows", defaultValue = "2000", description = "tensor rows (default ${DEFAULT-VALUE})")
    int rows;

    @Option(names = "--dim", defaultValue = "384", description = "values per row (default ${DEFAULT-VALUE})")
    int dim;

    @Option(names = "--seed", description = "random seed (default: time-based, printed)")
    Long seed;

    private static final int[] NO_SHAPE = {};

    private static final String TEXT = "Once upon a time, there was a little robot who carried words across the wire. "
            + "Every word was small, so the robot never waited: each one left as soon as it was made.";

    @Override
    public Integer call() throws Exception {
        long s = seed != null ? seed : System.nanoTime();
        System.out.println("seed " + s);
        if (rows < 1 || dim < 1 || (long) rows * dim > (1 << 28)) {
            throw new IllegalArgumentException("--rows and --dim must be positive and rows*dim at most 2^28");
        }
        Path file = out != null ? out : Files.createTempFile("inferwire-demo", ".iwf");
        try {
            run(file, new SplittableRandom(s));
        } finally {
            if (out == null) {
                Files.deleteIfExists(file);
            }
        }
        return 0;
    }

    private void run(Path file, SplittableRandom rnd) throws Exception {
        String[] pieces = TEXT.split("(?<= )");
        int rowBytes = dim * 4;
        try (Arena arena = Arena.ofConfined()) {
            // A slowly drifting float32 tensor: a random walk per coordinate.
            MemorySegment tensor = arena.allocate((long) rows * rowBytes, 64);
            for (int i = 0; i < dim; i++) {
                tensor.setAtIndex(FLOAT_LE, i, (float) rnd.nextGaussian() * 0.05f);
            }
            for (long k = dim; k < (long) rows * dim; k++) {
                tensor.setAtIndex(
                        FLOAT_LE, k, tensor.getAtIndex(FLOAT_LE, k - dim) + (float) rnd.nextGaussian() * 1e-3f);
            }
            MemorySegment text = arena.allocateFrom(TEXT, StandardCharsets.UTF_8);
            int[] shape = {dim};

            long t0 = System.nanoTime();
            long textStream;
            try (FileChannel ch = CliFiles.create(file)) {
                FrameStreamWriter tokens = new FrameStreamWriter(ch, arena, 1, 4096, FrameEncoder.Compression.LZ4);
                tokens.writeHeader(StreamHeader.newBuilder()
                        .setRequestId("demo-tokens")
                        .setModel("demo")
                        .build());
                long at = 0;
                for (String p : pieces) {
                    int n = p.getBytes(StandardCharsets.UTF_8).length;
                    tokens.write(FrameKind.FRAME_KIND_TOKENS, 0, NO_SHAPE, text, at, n);
                    at += n;
                }
                tokens.end();
                textStream = tokens.bytesWritten();
                FrameStreamWriter rowsOut = new FrameStreamWriter(ch, arena, 2, rowBytes, FrameEncoder.Compression.LZ4);
                rowsOut.writeHeader(StreamHeader.newBuilder()
                        .setRequestId("demo-tensor")
                        .setModel("random-walk")
                        .build());
                for (int r = 0; r < rows; r++) {
                    rowsOut.write(FrameKind.FRAME_KIND_KEY, 0, shape, tensor, (long) r * rowBytes, rowBytes);
                }
                rowsOut.end();
            }
            long t1 = System.nanoTime();

            // Read back, fed in chunks of random size, and compare every payload.
            MemorySegment stream = CliFiles.map(file, arena);
            FrameStreamReader reader =
                    new FrameStreamReader(arena, ReaderOptions.defaults().withMaxFrameBytes(Math.max(rowBytes, 4096)));
            long pos = 0;
            int pieceIdx = 0;
            long textAt = 0;
            int row = 0;
            long frames = 0;
            while (pos < stream.byteSize()) {
                long n = Math.min(stream.byteSize() - pos, 1 + rnd.nextInt(1 << 16));
                reader.feed(stream.asSlice(pos, n));
                pos += n;
                while (reader.next()) {
                    frames++;
                    FrameView f = reader.frame();
                    MemorySegment data = reader.data();
                    switch (f.kind()) {
                        case FRAME_KIND_TOKENS -> {
                            int len = pieces[pieceIdx++].getBytes(StandardCharsets.UTF_8).length;
                            check(
                                    data.byteSize() == len && data.mismatch(text.asSlice(textAt, len)) < 0,
                                    "token piece " + pieceIdx);
                            textAt += len;
                        }
                        case FRAME_KIND_KEY -> {
                            check(
                                    data.mismatch(tensor.asSlice((long) row * rowBytes, rowBytes)) < 0,
                                    "tensor row " + row);
                            row++;
                        }
                        default -> {}
                    }
                }
            }
            reader.finish();
            long t2 = System.nanoTime();
            check(pieceIdx == pieces.length && row == rows, "frame count");

            long rawText = text.byteSize() - 1;
            long rawTensor = (long) rows * rowBytes;
            long wire = stream.byteSize();
            System.out.printf(Locale.ROOT, "wrote %s: %d frames, %,d bytes%n", file, frames, wire);
            System.out.printf(
                    Locale.ROOT,
                    "  tokens : %3d pieces, %,6d B of text -> %,6d B on the wire (%.1f B/token)%n",
                    pieces.length,
                    rawText,
                    textStream,
                    (double) textStream / pieces.length);
            System.out.printf(
                    Locale.ROOT,
                    "  tensor : %d x %d float32, %,d B -> %,d B (%.3fx; LZ4 alone, no delta transform)%n",
                    rows,
                    dim,
                    rawTensor,
                    wire - textStream,
                    (double) rawTensor / (wire - textStream));
            System.out.printf(
                    Locale.ROOT,
                    "  write %.1f ms, read+verify %.1f ms (fed in random chunks of 1 B - 64 KiB)%n",
                    (t1 - t0) / 1e6,
                    (t2 - t1) / 1e6);
            System.out.println("round trip OK: every frame matches what was written");
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("round trip mismatch at " + what);
        }
    }
}
