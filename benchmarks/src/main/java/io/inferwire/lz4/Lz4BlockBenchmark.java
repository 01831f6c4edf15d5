package io.inferwire.lz4;

import io.inferwire.memory.Layouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * LZ4 block compression and decompression ({@link Lz4Block}, lz4-java JNI) of one
 * {@value #BYTES}-byte block, off-heap to off-heap, against a {@code memcpy} baseline
 * ({@link MemorySegment#copy}) of the same bytes.
 *
 * <p>One op is one {@value #BYTES}-byte block (uncompressed size, for both directions),
 * so bytes/s = ops/s &times; 65536, e.g. MiB/s = ops/s / 16 and GB/s = ops/s &times;
 * 6.5536e-5.
 *
 * <p>Data: {@code floats} is 16384 seeded gaussian float32 (LZ4 cannot shrink them),
 * {@code text} is seeded pseudo-English (words drawn from a small vocabulary), which
 * compresses well. The compressed size of each is printed once per fork.
 *
 * <pre>benchmarks/run Lz4BlockBenchmark</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class Lz4BlockBenchmark {

    /** Uncompressed bytes per op. */
    static final int BYTES = 64 * 1024;

    private static final String[] WORDS = {
        "the",
        "model",
        "returns",
        "a",
        "token",
        "for",
        "each",
        "step",
        "of",
        "decoding",
        "and",
        "stream",
        "is",
        "framed",
        "with",
        "length",
        "prefix",
        "inference",
        "server",
        "client",
        "tensor",
        "logits",
        "embedding",
        "batch",
        "request",
        "response",
        "latency",
        "throughput",
        "in",
        "to",
        "on",
        "that",
    };

    /** What the block holds. */
    @Param({"floats", "text"})
    public String data;

    private Arena arena;
    private Lz4Block lz4;
    private MemorySegment src;
    private MemorySegment compressed;
    private int compressedLength;
    private MemorySegment dst;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        arena = Arena.ofConfined();
        lz4 = new Lz4Block();
        src = arena.allocate(BYTES, 64);
        Random random = new Random(42);
        switch (data) {
            case "floats" -> {
                for (int i = 0; i < BYTES / Float.BYTES; i++) {
                    src.setAtIndex(Layouts.FLOAT_LE, i, (float) (random.nextGaussian() * 0.05));
                }
            }
            case "text" -> {
                StringBuilder s = new StringBuilder(BYTES + 16);
                while (s.length() < BYTES) {
                    s.append(WORDS[random.nextInt(WORDS.length)]).append(random.nextInt(12) == 0 ? ". " : " ");
                }
                byte[] b = s.toString().getBytes(StandardCharsets.UTF_8);
                MemorySegment.copy(b, 0, src, ValueLayout.JAVA_BYTE, 0, BYTES);
            }
            default -> throw new IllegalArgumentException("unknown data " + data);
        }
        int bound = Lz4Block.maxCompressedLength(BYTES);
        compressed = arena.allocate(bound, 64);
        dst = arena.allocate(bound, 64);
        compressedLength = lz4.compress(src, 0, BYTES, compressed, 0);
        int n = lz4.decompress(compressed, 0, compressedLength, dst, 0, BYTES);
        if (n != BYTES || dst.asSlice(0, BYTES).mismatch(src) != -1) {
            throw new IllegalStateException("LZ4 round trip failed");
        }
        System.out.printf(
                "[%s] %d bytes -> %d compressed (%.3f)%n",
                data, BYTES, compressedLength, (double) compressedLength / BYTES);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        lz4.release();
        arena.close();
    }

    /** Compresses the block; returns the compressed length. */
    @Benchmark
    public int compress() {
        return lz4.compress(src, 0, BYTES, dst, 0);
    }

    /** Decompresses the block; returns the decompressed length. */
    @Benchmark
    public int decompress() throws Exception {
        return lz4.decompress(compressed, 0, compressedLength, dst, 0, BYTES);
    }

    /** Copies the block: the memory-bandwidth ceiling. */
    @Benchmark
    public MemorySegment memcpy() {
        MemorySegment.copy(src, 0, dst, 0, BYTES);
        return dst;
    }
}
