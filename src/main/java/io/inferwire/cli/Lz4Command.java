package io.inferwire.cli;

import io.inferwire.lz4.BlockSize;
import io.inferwire.lz4.Lz4FrameReader;
import io.inferwire.lz4.Lz4FrameWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code inferwire lz4 compress|decompress IN OUT}: the standard LZ4 frame format, interoperable with the lz4 CLI. */
@Command(
        name = "lz4",
        mixinStandardHelpOptions = true,
        description =
                "Compress or decompress files in the standard LZ4 frame format (what the lz4 CLI reads and writes).",
        subcommands = {Lz4Command.Compress.class, Lz4Command.Decompress.class})
final class Lz4Command implements Runnable {

    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(
                spec.commandLine(), "missing subcommand: compress or decompress");
    }

    @Command(name = "compress", mixinStandardHelpOptions = true, description = "Compress IN into the LZ4 frame OUT.")
    static final class Compress implements Callable<Integer> {
        @Parameters(index = "0", description = "input file")
        Path in;

        @Parameters(index = "1", description = "output file (.lz4)")
        Path out;

        @Option(
                names = "--block-size",
                defaultValue = "4M",
                description = "64K, 256K, 1M or 4M (default ${DEFAULT-VALUE})")
        String blockSize;

        @Option(
                names = "--threads",
                defaultValue = "1",
                description = "compressor threads; output is identical for any count (default ${DEFAULT-VALUE})")
        int threads;

        @Option(
                names = "--level",
                defaultValue = "0",
                description = "0 = fast, 1-17 = LZ4 HC level (default ${DEFAULT-VALUE})")
        int level;

        @Option(names = "--block-checksum", description = "store an xxHash32 after every block")
        boolean blockChecksum;

        @Override
        public Integer call() throws Exception {
            Lz4FrameWriter.Options o = Lz4FrameWriter.Options.defaults()
                    .withBlockSize(BlockSize.parse(blockSize))
                    .withThreads(threads)
                    .withLevel(level)
                    .withBlockChecksum(blockChecksum);
            long t0 = System.nanoTime();
            CliFiles.checkDistinct(in, out);
            try (Arena arena = Arena.ofShared();
                    FileChannel ch = CliFiles.create(out)) {
                MemorySegment src = CliFiles.map(in, arena);
                long w = Lz4FrameWriter.compress(src, ch, o);
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf(
                        "%s: %,d -> %,d bytes (%.3fx) in %.3f s, %.0f MB/s%n",
                        out, src.byteSize(), w, w == 0 ? 0 : (double) src.byteSize() / w, s, src.byteSize() / 1e6 / s);
            }
            return 0;
        }
    }

    @Command(
            name = "decompress",
            mixinStandardHelpOptions = true,
            description = "Decompress the LZ4 frame(s) IN into OUT.")
    static final class Decompress implements Callable<Integer> {
        @Parameters(index = "0", description = "input file (.lz4)")
        Path in;

        @Parameters(index = "1", description = "output file")
        Path out;

        @Override
        public Integer call() throws Exception {
            long t0 = System.nanoTime();
            CliFiles.checkDistinct(in, out);
            try (FileChannel src = FileChannel.open(in);
                    FileChannel dst = CliFiles.create(out)) {
                long n = Lz4FrameReader.decompress(src, dst);
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf("%s: %,d -> %,d bytes in %.3f s, %.0f MB/s%n", out, src.size(), n, s, n / 1e6 / s);
            }
            return 0;
        }
    }
}
