package io.inferwire.bench;

import io.inferwire.lz4.BlockSize;
import io.inferwire.lz4.Lz4FrameReader;
import io.inferwire.lz4.Lz4FrameWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The seed's chapter 4 question: LZ4 frame block size and compressor (fast, HC levels)
 * against ratio and throughput, with one compressor thread and with one per core, on a
 * tensor workload's raw float32 bytes and on the bytes inferwire's lossless transform
 * gives LZ4 (each row XORed with the one before, split into byte planes).
 */
final class Lz4Settings {

    private Lz4Settings() {}

    /** One setting measured. */
    record Row(
            String workload,
            String input,
            String blockSize,
            String compressor,
            long inputBytes,
            long compressedBytes,
            double compressMBs,
            double compressAllCoresMBs,
            int cores,
            double decompressMBs) {

        double ratio() {
            return (double) inputBytes / compressedBytes;
        }
    }

    /** Measures every block size with every level in {@code levels} (0 = fast). */
    static List<Row> measure(
            TensorWorkload w, String input, MemorySegment raw, List<BlockSize> sizes, int[] levels, Timer timer)
            throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        List<Row> rows = new ArrayList<>();
        for (BlockSize bs : sizes) {
            for (int level : levels) {
                Lz4FrameWriter.Options one = Lz4FrameWriter.Options.defaults()
                        .withBlockSize(bs)
                        .withLevel(level)
                        .withContentChecksum(false);
                Lz4FrameWriter.Options all = one.withThreads(cores);
                ByteArrayOutputStream bos = new ByteArrayOutputStream((int) raw.byteSize());
                long n = Lz4FrameWriter.compress(raw, Channels.newChannel(bos), one);
                byte[] frame = bos.toByteArray();
                double t1 = timer.best(() -> Lz4FrameWriter.compress(raw, NULL, one));
                double tn = timer.best(() -> Lz4FrameWriter.compress(raw, NULL, all));
                double td = timer.best(
                        () -> Lz4FrameReader.decompress(Channels.newChannel(new ByteArrayInputStream(frame)), NULL));
                double mb = raw.byteSize() / 1e6;
                rows.add(new Row(
                        w.name(),
                        input,
                        label(bs),
                        level == 0 ? "fast" : "HC " + level,
                        raw.byteSize(),
                        n,
                        mb / t1,
                        mb / tn,
                        cores,
                        mb / td));
            }
        }
        return rows;
    }

    static String label(BlockSize bs) {
        return switch (bs) {
            case KB64 -> "64 KB";
            case KB256 -> "256 KB";
            case MB1 -> "1 MB";
            case MB4 -> "4 MB";
        };
    }

    /** A channel that drops what it is given. */
    private static final WritableByteChannel NULL = new WritableByteChannel() {
        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            src.position(src.limit());
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}
    };

    /** The workload's values as one native segment. */
    static MemorySegment raw(TensorWorkload w, Arena arena) {
        return TensorFormats.Input.of(w, arena).rows();
    }

    /** Each row's float bits XORed with the previous row's, then split into its 4 byte planes. */
    static MemorySegment xorPlanes(TensorWorkload w, Arena arena) {
        int d = w.dim();
        float[] v = w.values();
        MemorySegment s = arena.allocate(4L * v.length, 64);
        for (int r = 0; r < w.rows(); r++) {
            for (int i = 0; i < d; i++) {
                int x = Float.floatToRawIntBits(v[r * d + i]);
                if (r > 0) {
                    x ^= Float.floatToRawIntBits(v[(r - 1) * d + i]);
                }
                for (int b = 0; b < 4; b++) {
                    s.set(ValueLayout.JAVA_BYTE, 4L * r * d + (long) b * d + i, (byte) (x >>> (8 * b)));
                }
            }
        }
        return s;
    }
}
