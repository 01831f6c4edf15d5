package io.inferwire.cli;

import io.inferwire.StreamException;
import io.inferwire.transform.TensorCodec;
import io.inferwire.transform.TensorDecoder;
import io.inferwire.wire.FrameStreamReader;
import io.inferwire.wire.ReaderOptions;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code inferwire decode IN OUT.f32le}: a tensor frame stream back to float32 rows. */
@Command(
        name = "decode",
        mixinStandardHelpOptions = true,
        description = {
            "Decode an inferwire tensor stream (IN) into raw little-endian float32 rows (OUT).",
            "Exits 1 on any bad frame, and when the stream has no END frame (it was cut short)."
        })
final class TensorDecodeCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "input: inferwire frame stream")
    Path in;

    @Parameters(index = "1", description = "output: float32 little-endian rows")
    Path out;

    @Override
    public Integer call() throws IOException {
        CliFiles.checkDistinct(in, out);
        try (Arena arena = Arena.ofConfined();
                FileChannel ch = CliFiles.create(out)) {
            MemorySegment input = CliFiles.map(in, arena);
            FrameStreamReader reader = new FrameStreamReader(arena, ReaderOptions.defaults());
            TensorDecoder dec = TensorCodec.builder().build().newDecoder(arena);
            BufferedChannel w = new BufferedChannel(ch, arena);
            MemorySegment row = MemorySegment.NULL;
            long rows = 0;
            long t0 = System.nanoTime();
            reader.feed(input);
            while (reader.next()) {
                // Only a KEY frame sets the shape (DELTA frames inherit it; other kinds have
                // none that matters); the row grows geometrically, so a stream of
                // ever-larger declared shapes costs at most twice the largest.
                long need = reader.frame().kind() == io.inferwire.proto.v1.FrameKind.FRAME_KIND_KEY
                        ? 4L * valuesOf(reader)
                        : 0;
                if (need > row.byteSize()) {
                    row = arena.allocate(
                            Math.min(Math.max(need, 2 * row.byteSize()), 4L * TensorCodec.DEFAULT_MAX_VALUES), 64);
                }
                int n = dec.decode(reader, row, 0);
                if (n >= 0) {
                    w.write(row, 0, 4L * n);
                    rows++;
                }
            }
            reader.finish();
            w.flush();
            long t1 = System.nanoTime();
            System.err.printf(
                    Locale.ROOT,
                    "decoded %d rows (%d bytes) from %d bytes; %.1f MB/s%n",
                    rows,
                    w.written(),
                    input.byteSize(),
                    w.written() / 1e6 / Math.max(1e-9, (t1 - t0) / 1e9));
        }
        return 0;
    }

    private static long valuesOf(FrameStreamReader r) throws StreamException {
        long n = 1;
        for (int i = 0; i < r.frame().rank(); i++) {
            n *= r.frame().dim(i);
            if (n > TensorCodec.DEFAULT_MAX_VALUES) {
                throw new io.inferwire.LimitExceededException(
                        "frame declares more than " + TensorCodec.DEFAULT_MAX_VALUES + " values",
                        r.frame().streamId(),
                        r.frame().seq(),
                        -1);
            }
        }
        return n;
    }
}
