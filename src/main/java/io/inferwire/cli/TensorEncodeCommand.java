package io.inferwire.cli;

import static io.inferwire.memory.Layouts.FLOAT_LE;

import io.inferwire.proto.v1.FrameKind;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.transform.TensorCodec;
import io.inferwire.transform.TensorEncoder;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code inferwire encode --shape D IN.f32le OUT}: rows of float32 values to a tensor frame stream. */
@Command(
        name = "encode",
        mixinStandardHelpOptions = true,
        description = {
            "Encode raw little-endian float32 rows (IN, a whole number of rows of --shape) into an inferwire"
                    + " stream (OUT): a HEADER frame, one KEY or DELTA frame per row, an END frame.",
            "Prints a summary line on standard error: rows, bytes, ratio, frame kinds, the largest error, speed."
        })
final class TensorEncodeCommand implements Callable<Integer> {

    @Option(
            names = "--shape",
            required = true,
            split = ",",
            description = "the shape of one row, outermost first, e.g. 384 or 8,64")
    int[] shape;

    @ArgGroup(exclusive = true)
    ModeOptions mode = new ModeOptions();

    static final class ModeOptions {
        @Option(names = "--lossless", description = "bit-exact (the default)")
        boolean lossless;

        @Option(names = "--error-bound", description = "every decoded value within this of the input, e.g. 1e-4")
        Double errorBound;
    }

    @Option(
            names = "--key-interval",
            defaultValue = "" + TensorCodec.DEFAULT_KEY_INTERVAL,
            description = "force a KEY frame after this many frames (0: never; default ${DEFAULT-VALUE})")
    int keyInterval;

    @Option(
            names = "--decision-interval",
            defaultValue = "0",
            description =
                    "try both KEY and DELTA on every Nth frame (default 0: 16 for the fast packing, 1 for --dense)")
    int decisionInterval;

    @Option(
            names = "--dense",
            description = "range-code the residuals (smallest output, slower) instead of bit-packing + LZ4")
    boolean dense;

    @Option(names = "--stream-id", defaultValue = "0", description = "the stream id (default ${DEFAULT-VALUE})")
    long streamId;

    @Option(names = "--model", defaultValue = "", description = "model name for the stream header")
    String model;

    @Parameters(index = "0", description = "input: float32 little-endian rows")
    Path in;

    @Parameters(index = "1", description = "output: inferwire frame stream")
    Path out;

    @Override
    public Integer call() throws IOException {
        CliFiles.checkDistinct(in, out);
        TensorCodec.Builder b = TensorCodec.builder()
                .shape(shape)
                .keyInterval(keyInterval)
                .decisionInterval(decisionInterval)
                .packing(dense ? TensorCodec.Packing.DENSE : TensorCodec.Packing.FAST)
                .streamId(streamId);
        if (mode.errorBound != null) {
            b.errorBound(mode.errorBound);
        } else {
            b.lossless();
        }
        TensorCodec codec = b.build();
        int n = codec.values();
        long rowBytes = 4L * n;
        try (Arena arena = Arena.ofConfined();
                FileChannel ch = CliFiles.create(out)) {
            MemorySegment input = CliFiles.map(in, arena);
            if (input.byteSize() % rowBytes != 0) {
                throw new IllegalArgumentException(in + " has " + input.byteSize()
                        + " bytes, not a whole number of rows of " + rowBytes + " bytes (shape "
                        + Arrays.toString(shape) + ")");
            }
            long rows = input.byteSize() / rowBytes;
            TensorEncoder enc = codec.newEncoder(arena);
            BufferedChannel w = new BufferedChannel(ch, arena);
            int headerLength = header(enc, codec);
            w.write(enc.buffer(), enc.frameOffset(), headerLength);
            long keys = 0;
            double maxError = 0;
            long t0 = System.nanoTime();
            for (long r = 0; r < rows; r++) {
                int len = enc.encode(input, r * rowBytes);
                w.write(enc.buffer(), enc.frameOffset(), len);
                if (enc.lastKind() == FrameKind.FRAME_KIND_KEY) {
                    keys++;
                }
                maxError = Math.max(maxError, maxError(input, r * rowBytes, enc.reconstruction(), n));
            }
            long t1 = System.nanoTime();
            int endLength = enc.end();
            w.write(enc.buffer(), enc.frameOffset(), endLength);
            w.flush();
            double ratio = w.written() == 0 ? 0 : (double) input.byteSize() / w.written();
            System.err.printf(
                    Locale.ROOT,
                    "encoded %d rows (%d bytes) into %d bytes: ratio %.3f, %.2f bits/value; %d KEY, %d DELTA;"
                            + " max error %.3g; %.1f MB/s (%s backend)%n",
                    rows,
                    input.byteSize(),
                    w.written(),
                    ratio,
                    rows == 0 ? 0 : 8.0 * w.written() / (rows * n),
                    keys,
                    rows - keys,
                    maxError,
                    input.byteSize() / 1e6 / Math.max(1e-9, (t1 - t0) / 1e9),
                    codec.backend().name());
        }
        return 0;
    }

    private int header(TensorEncoder enc, TensorCodec codec) {
        StreamHeader.Builder h = StreamHeader.newBuilder()
                .setModel(model)
                .putMetadata("dtype", "f32le")
                .putMetadata("shape", Arrays.toString(codec.shape()).replace(" ", ""))
                .putMetadata(
                        "mode", codec.mode() == TensorCodec.Mode.LOSSLESS ? "lossless" : "bound=" + codec.errorBound());
        return enc.header(h.build());
    }

    /** Largest |x - x'| of a row, NaN/Inf (restored exactly) excluded. */
    private static double maxError(MemorySegment in, long off, MemorySegment recon, int n) {
        double max = 0;
        for (int i = 0; i < n; i++) {
            float x = in.get(FLOAT_LE, off + 4L * i);
            if (Float.isFinite(x)) {
                max = Math.max(max, Math.abs((double) x - recon.get(FLOAT_LE, 4L * i)));
            }
        }
        return max;
    }
}
