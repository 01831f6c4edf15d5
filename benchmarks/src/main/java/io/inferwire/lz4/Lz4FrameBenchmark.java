package io.inferwire.lz4;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The LZ4 frame format ({@link Lz4FrameWriter}, {@link Lz4FrameReader}) over
 * {@value #MIB} MiB of seeded pseudo-English held off-heap, with the content checksum
 * on (the format's default). The output channel discards what it is given, so the
 * figures are the codec's own. One op is the whole input: MB/s = ops/s &times;
 * {@value #MIB} &times; 1.048576.
 *
 * <pre>benchmarks/run Lz4FrameBenchmark</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class Lz4FrameBenchmark {

    static final int MIB = 16;

    /** Block size of the frame. */
    @Param({"KB64", "MB4"})
    public BlockSize blockSize;

    /** Compressor threads (the output is identical for any count). */
    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private MemorySegment src;
    private MemorySegment frame;
    private final Discard discard = new Discard();

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        arena = Arena.ofShared();
        String[] words = {
            "the",
            "model",
            "returns",
            "a",
            "token",
            "for",
            "each",
            "step",
            "and",
            "its",
            "logprob",
            "of",
            "stream",
            "embedding",
            "vector",
            "is",
            "sent",
            "to",
            "client",
            "with",
            "delta",
            "frames",
            "over",
            "wire"
        };
        Random random = new Random(42);
        StringBuilder s = new StringBuilder();
        while (s.length() < MIB << 20) {
            s.append(words[random.nextInt(words.length)]).append(random.nextInt(12) == 0 ? ". " : " ");
        }
        byte[] b = s.toString().getBytes(StandardCharsets.UTF_8);
        src = arena.allocate(MIB << 20, 64);
        MemorySegment.copy(b, 0, src, ValueLayout.JAVA_BYTE, 0, MIB << 20);
        Collect collect = new Collect(arena, Lz4Block.maxCompressedLength(MIB << 20) + 1024);
        Lz4FrameWriter.compress(src, collect, options());
        frame = collect.segment.asSlice(0, collect.size);
        System.out.printf("[%s] %d MiB -> %d bytes%n", blockSize, MIB, frame.byteSize());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    private Lz4FrameWriter.Options options() {
        return Lz4FrameWriter.Options.defaults().withBlockSize(blockSize).withThreads(threads);
    }

    /** Compresses the whole input into one LZ4 frame. */
    @Benchmark
    public long compress() throws IOException {
        return Lz4FrameWriter.compress(src, discard, options());
    }

    /** Decompresses the frame (threads does not apply: decompression runs on one thread). */
    @Benchmark
    public long decompress() throws IOException {
        return Lz4FrameReader.decompress(new SegmentInput(frame), discard);
    }

    /** Accepts and drops everything. */
    static final class Discard implements WritableByteChannel {
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
    }

    /** Keeps what is written in an off-heap segment. */
    static final class Collect implements WritableByteChannel {
        final MemorySegment segment;
        long size;

        Collect(Arena arena, long capacity) {
            segment = arena.allocate(capacity);
        }

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            MemorySegment.copy(MemorySegment.ofBuffer(src), 0, segment, size, n);
            size += n;
            src.position(src.limit());
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}
    }

    /** Reads an off-heap segment as a channel. */
    static final class SegmentInput implements ReadableByteChannel {
        private final MemorySegment segment;
        private long pos;

        SegmentInput(MemorySegment segment) {
            this.segment = segment;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (pos == segment.byteSize()) {
                return -1;
            }
            int n = (int) Math.min(dst.remaining(), segment.byteSize() - pos);
            MemorySegment.copy(segment, pos, MemorySegment.ofBuffer(dst), 0, n);
            dst.position(dst.position() + n);
            pos += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}
    }
}
