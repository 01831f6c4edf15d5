package io.inferwire.lz4;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferwire.ChecksumMismatchException;
import io.inferwire.Seeds;
import io.inferwire.StreamException;
import io.inferwire.TestArena;
import io.inferwire.TruncatedStreamException;
import io.inferwire.UnsupportedFormatException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Lz4FrameTest {

    /** Half text-like, half noise: some blocks compress, some are stored raw. */
    static byte[] content(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        String words = "the quick brown fox jumps over the lazy dog while tensors stream ";
        int i = 0;
        while (i < n) {
            int run = Math.min(n - i, 1 + r.nextInt(100_000));
            boolean noise = r.nextInt(3) == 0;
            for (int k = 0; k < run; k++) {
                b[i + k] = noise ? (byte) r.nextInt() : (byte) words.charAt((i + k + r.nextInt(2)) % words.length());
            }
            i += run;
        }
        return b;
    }

    static byte[] compress(TestArena arena, byte[] data, Lz4FrameWriter.Options o) throws IOException {
        MemorySegment src = arena.allocate(Math.max(1, data.length)).asSlice(0, data.length);
        MemorySegment.copy(MemorySegment.ofArray(data), 0, src, 0, data.length);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        long n = Lz4FrameWriter.compress(src, Channels.newChannel(bos), o);
        assertEquals(bos.size(), n);
        return bos.toByteArray();
    }

    static byte[] decompress(byte[] frame) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        long n = Lz4FrameReader.decompress(
                Channels.newChannel(new ByteArrayInputStream(frame)), Channels.newChannel(bos));
        assertEquals(bos.size(), n);
        return bos.toByteArray();
    }

    @Test
    void roundTripsForEveryBlockSizeAndOption() throws Exception {
        SplittableRandom r = Seeds.random("lz4 frame round trip");
        try (TestArena arena = TestArena.open()) {
            int[] sizes = {0, 1, 65535, 65536, 65537, 1 << 20, 5_000_000};
            for (BlockSize bs : BlockSize.values()) {
                for (int size : sizes) {
                    byte[] data = content(r, size);
                    Lz4FrameWriter.Options o = Lz4FrameWriter.Options.defaults()
                            .withBlockSize(bs)
                            .withBlockChecksum(r.nextBoolean())
                            .withContentChecksum(r.nextBoolean())
                            .withContentSize(r.nextBoolean());
                    assertArrayEquals(data, decompress(compress(arena, data, o)), bs + " " + size + " " + o);
                }
            }
        }
    }

    @Test
    void parallelOutputIsByteIdenticalToOneThread() throws Exception {
        SplittableRandom r = Seeds.random("lz4 frame parallel");
        byte[] data = content(r, 3_000_000);
        try (TestArena arena = TestArena.open()) {
            for (BlockSize bs : new BlockSize[] {BlockSize.KB64, BlockSize.KB256}) {
                Lz4FrameWriter.Options one =
                        Lz4FrameWriter.Options.defaults().withBlockSize(bs).withBlockChecksum(true);
                byte[] expected = compress(arena, data, one);
                for (int threads : new int[] {2, 3, 8}) {
                    assertArrayEquals(expected, compress(arena, data, one.withThreads(threads)), threads + " threads");
                }
                assertArrayEquals(data, decompress(expected));
            }
            byte[] hc = compress(
                    arena, data, Lz4FrameWriter.Options.defaults().withLevel(9).withThreads(2));
            assertArrayEquals(data, decompress(hc));
        }
    }

    @Test
    void damagedFramesAreTypedErrors() throws Exception {
        SplittableRandom r = Seeds.random("lz4 frame damage");
        byte[] data = content(r, 300_000);
        try (TestArena arena = TestArena.open()) {
            byte[] frame = compress(
                    arena,
                    data,
                    Lz4FrameWriter.Options.defaults()
                            .withBlockSize(BlockSize.KB64)
                            .withBlockChecksum(true));
            for (int trial = 0; trial < 300; trial++) {
                byte[] bad = frame.clone();
                int at = r.nextInt(bad.length);
                bad[at] ^= (byte) (1 << r.nextInt(8));
                StreamException e = assertThrows(StreamException.class, () -> decompress(bad), "flip at " + at);
                assertTrue(e.getMessage() != null);
            }
            for (int cut = 0; cut < frame.length; cut += 1 + r.nextInt(5000)) {
                byte[] head = java.util.Arrays.copyOf(frame, cut);
                assertThrows(TruncatedStreamException.class, () -> decompress(head), "cut at " + cut);
            }
            // The content checksum alone (no block checksums) still catches a damaged block.
            byte[] plain = compress(arena, data, Lz4FrameWriter.Options.defaults());
            for (int trial = 0; trial < 100; trial++) {
                byte[] bad = plain.clone();
                int at = 15 + r.nextInt(bad.length - 30);
                bad[at] ^= (byte) (1 << r.nextInt(8));
                assertThrows(StreamException.class, () -> decompress(bad), "flip at " + at);
            }
        }
    }

    @Test
    void unsupportedVariantsSaySo() {
        // legacy format magic
        assertThrows(
                UnsupportedFormatException.class, () -> decompress(new byte[] {0x02, 0x21, 0x4C, 0x18, 0, 0, 0, 0}));
        // bad magic
        assertThrows(io.inferwire.CorruptFrameException.class, () -> decompress(new byte[] {1, 2, 3, 4, 5}));
        // header checksum wrong
        assertThrows(
                ChecksumMismatchException.class,
                () -> decompress(new byte[] {0x04, 0x22, 0x4D, 0x18, 0x64, 0x40, 0x00}));
        // empty input
        assertThrows(TruncatedStreamException.class, () -> decompress(new byte[0]));
    }

    // --- interop with the reference lz4 command line tool ---

    static Path lz4Cli() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(d, "lz4");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    static void run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", cmd));
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
    }

    @Test
    void theLz4CliReadsWhatWeWrite(@TempDir Path dir) throws Exception {
        Path lz4 = lz4Cli();
        Assumptions.assumeTrue(
                lz4 != null, "SKIPPED: the lz4 command line tool is not installed (apt-get install lz4)");
        SplittableRandom r = Seeds.random("lz4 interop write");
        byte[] data = content(r, 6_000_000);
        try (TestArena arena = TestArena.open()) {
            for (BlockSize bs : BlockSize.values()) {
                for (boolean blockChecksum : new boolean[] {false, true}) {
                    Lz4FrameWriter.Options o = Lz4FrameWriter.Options.defaults()
                            .withBlockSize(bs)
                            .withBlockChecksum(blockChecksum)
                            .withThreads(2);
                    Path f = dir.resolve("ours.lz4");
                    Files.write(f, compress(arena, data, o));
                    run(dir, lz4.toString(), "-d", "-f", "-q", "ours.lz4", "theirs.out");
                    assertArrayEquals(data, Files.readAllBytes(dir.resolve("theirs.out")), bs + " " + blockChecksum);
                }
            }
        }
    }

    @Test
    void weReadWhatTheLz4CliWrites(@TempDir Path dir) throws Exception {
        Path lz4 = lz4Cli();
        Assumptions.assumeTrue(
                lz4 != null, "SKIPPED: the lz4 command line tool is not installed (apt-get install lz4)");
        SplittableRandom r = Seeds.random("lz4 interop read");
        byte[] data = content(r, 6_000_000);
        Files.write(dir.resolve("in.bin"), data);
        List<String[]> variants = new ArrayList<>();
        variants.add(new String[] {});
        variants.add(new String[] {"-B4"});
        variants.add(new String[] {"-B5", "-BX"});
        variants.add(new String[] {"-B6", "--content-size"});
        variants.add(new String[] {"-B7", "--no-frame-crc"});
        variants.add(new String[] {"-9"});
        for (String[] v : variants) {
            List<String> cmd = new ArrayList<>(List.of(lz4.toString(), "-f", "-q"));
            cmd.addAll(List.of(v));
            cmd.addAll(List.of("in.bin", "cli.lz4"));
            run(dir, cmd.toArray(String[]::new));
            assertArrayEquals(data, decompress(Files.readAllBytes(dir.resolve("cli.lz4"))), String.join(" ", v));
        }
        // Concatenated frames read as one stream, as lz4 -d does.
        byte[] one = Files.readAllBytes(dir.resolve("cli.lz4"));
        byte[] two = new byte[one.length * 2];
        System.arraycopy(one, 0, two, 0, one.length);
        System.arraycopy(one, 0, two, one.length, one.length);
        assertEquals(2L * data.length, decompress(two).length);
        // Linked blocks are refused with a clear error.
        run(dir, lz4.toString(), "-f", "-q", "-BD", "-B4", "in.bin", "linked.lz4");
        UnsupportedFormatException e = assertThrows(
                UnsupportedFormatException.class, () -> decompress(Files.readAllBytes(dir.resolve("linked.lz4"))));
        assertTrue(e.getMessage().contains("linked"));
        // Legacy format likewise.
        run(dir, lz4.toString(), "-f", "-q", "-l", "in.bin", "legacy.lz4");
        assertThrows(UnsupportedFormatException.class, () -> decompress(Files.readAllBytes(dir.resolve("legacy.lz4"))));
    }

    /** A channel failing mid-frame used to free the slots while workers still compressed into them (SIGSEGV). */
    @Test
    void aFailingChannelWithWorkersRunningIsAnIoExceptionNotACrash() throws Exception {
        SplittableRandom r = Seeds.random("lz4 frame failing channel");
        byte[] data = content(r, 24 << 20);
        try (TestArena arena = TestArena.open()) {
            MemorySegment src = arena.allocate(data.length);
            MemorySegment.copy(MemorySegment.ofArray(data), 0, src, 0, data.length);
            for (int attempt = 0; attempt < 3; attempt++) {
                java.nio.channels.WritableByteChannel failing = new java.nio.channels.WritableByteChannel() {
                    int calls;

                    @Override
                    public int write(java.nio.ByteBuffer b) throws IOException {
                        if (++calls > 2) {
                            throw new IOException("disk full");
                        }
                        int n = b.remaining();
                        b.position(b.limit());
                        return n;
                    }

                    @Override
                    public boolean isOpen() {
                        return true;
                    }

                    @Override
                    public void close() {}
                };
                Lz4FrameWriter.Options o = Lz4FrameWriter.Options.defaults()
                        .withBlockSize(BlockSize.KB256)
                        .withThreads(4)
                        .withLevel(9);
                IOException e = assertThrows(IOException.class, () -> Lz4FrameWriter.compress(src, failing, o));
                assertEquals("disk full", e.getMessage());
            }
        }
    }

    @Test
    void emptyBlocksNeverReachNativeCode() throws Exception {
        Lz4Block lz4 = new Lz4Block();
        try (TestArena arena = TestArena.open()) {
            MemorySegment dst = arena.allocate(16);
            assertEquals(1, lz4.compress(MemorySegment.NULL, 0, 0, dst, 0));
            assertEquals(0, lz4.decompress(dst, 0, 1, MemorySegment.NULL, 0, 0));
            assertThrows(
                    io.inferwire.CorruptFrameException.class,
                    () -> lz4.decompress(MemorySegment.NULL, 0, 0, dst, 0, 16));
            dst.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) 0x10);
            assertThrows(
                    io.inferwire.CorruptFrameException.class,
                    () -> lz4.decompress(dst, 0, 1, MemorySegment.NULL, 0, 0));
        }
    }
}
