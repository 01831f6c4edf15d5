package io.inferwire.transform;

import io.inferwire.StreamException;
import io.inferwire.lz4.Lz4Block;
import io.inferwire.memory.Layouts;
import io.inferwire.wire.FrameStreamReader;
import io.inferwire.wire.ReaderOptions;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
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
 * One core, one 384-d float32 row per op: {@link TensorEncoder#encode} and
 * {@link TensorDecoder#decode} (through {@link FrameStreamReader}, which checks sizes,
 * the checksum and decompresses), next to {@code memcpy} (MemorySegment.copy) and raw
 * LZ4 (JNI, fast compressor) of the same 1536 bytes in the same run. GB/s of float32
 * input = ops/s x 1536 / 1e9. With {@code -prof gc}, {@code gc.alloc.rate.norm} is
 * heap bytes per frame.
 *
 * <p>Data: real sentence embeddings (all-MiniLM-L6-v2) from
 * {@code -Dinferwire.embeddings=FILE} (default {@code ../shared/data/embeddings/}, the
 * {@code data} parameter picks the file: {@code independent} = minilmq-1000x384,
 * {@code prefix} = minilmq-prefix), or, when the file is absent, seeded gaussian rows
 * (said on standard error).
 *
 * <pre>benchmarks/run TensorCodecBenchmark -prof gc</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow",
            "--add-modules=jdk.incubator.vector"
        })
@State(Scope.Thread)
public class TensorCodecBenchmark {

    static final int N = 384;
    static final int PASSES = 20;
    static final int ROW = 4 * N;

    /** Which rows: {@code independent} sentence embeddings, or the {@code prefix} stream. */
    @Param({"independent", "prefix"})
    public String data;

    /** {@code lossless}, or error-bounded at {@code 1e-4} / {@code 1e-3}. */
    @Param({"lossless", "1e-4"})
    public String mode;

    /** FAST (planes / bit-packing + LZ4) or DENSE (range coding). */
    @Param({"FAST", "DENSE"})
    public String packing;

    /** The backend ({@code vector} or {@code scalar}). */
    @Param({"vector"})
    public String backend;

    private Arena arena;
    private MemorySegment rows;
    private int count;
    private int next;
    private TensorEncoder encoder;
    private MemorySegment stream;
    private long streamLength;
    private FrameStreamReader reader;
    private TensorDecoder decoder;
    private TensorCodec codec;
    private MemorySegment out;
    private MemorySegment lz4Out;
    private Lz4Block lz4;
    private Arena readerArena;
    private int decoded;

    @Setup(Level.Trial)
    public void setup() throws IOException, StreamException {
        arena = Arena.ofShared();
        rows = load(arena);
        count = (int) (rows.byteSize() / ROW);
        TensorCodec.Builder b = TensorCodec.builder()
                .shape(N)
                .packing(TensorCodec.Packing.valueOf(packing))
                .backend(Backends.named(backend));
        codec = ("lossless".equals(mode) ? b.lossless() : b.errorBound(Double.parseDouble(mode))).build();
        encoder = codec.newEncoder(arena);
        // PASSES passes over the data as one pre-encoded stream, for the decoder: a new
        // reader (and decoder) per stream, so their set-up is spread over many frames.
        TensorEncoder pre = codec.newEncoder(arena);
        stream = arena.allocate((long) PASSES * count * (ROW + 256));
        long at = 0;
        long first = 0;
        for (int i = 0; i < PASSES * count; i++) {
            int len = pre.encode(rows, (long) (i % count) * ROW);
            MemorySegment.copy(pre.buffer(), pre.frameOffset(), stream, at, len);
            at += len;
            if (i == count - 1) {
                first = at;
            }
        }
        streamLength = at;
        long onePass = first;
        out = arena.allocate(ROW, 64);
        lz4 = new Lz4Block();
        lz4Out = arena.allocate(Lz4Block.maxCompressedLength(ROW));
        System.err.printf(
                "%n%s %s %s: %d rows, %d bytes encoded, ratio %.3f%n",
                data, mode, packing, count, onePass, (double) count * ROW / onePass);
        newReader();
    }

    private void newReader() {
        if (readerArena != null) {
            readerArena.close();
        }
        readerArena = Arena.ofConfined();
        reader = new FrameStreamReader(readerArena, ReaderOptions.defaults().withMaxStreams(4));
        decoder = codec.newDecoder(readerArena);
        reader.feed(stream.asSlice(0, streamLength));
        decoded = 0;
    }

    private MemorySegment load(Arena a) throws IOException {
        String name = "prefix".equals(data) ? "minilmq-prefix.f32le" : "minilmq-1000x384.f32le";
        Path p = Path.of(System.getProperty("inferwire.embeddings", "../shared/data/embeddings"))
                .resolve(name);
        if (Files.isReadable(p)) {
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                MemorySegment m = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), a);
                MemorySegment copy = a.allocate(m.byteSize(), 64);
                copy.copyFrom(m);
                return copy;
            }
        }
        System.err.println("no " + p + ": benchmarking seeded gaussian rows instead of real embeddings");
        SplittableRandom r = new SplittableRandom(42);
        MemorySegment s = a.allocate(1000L * ROW, 64);
        for (long i = 0; i < 1000L * N; i++) {
            s.set(Layouts.FLOAT_LE, 4 * i, (float) (r.nextGaussian() * 0.05));
        }
        return s;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        readerArena.close();
        arena.close();
    }

    private long nextRow() {
        long off = (long) next * ROW;
        if (++next == count) {
            next = 0;
        }
        return off;
    }

    /** Encodes the next row into one frame; returns its length. */
    @Benchmark
    public int encode() {
        return encoder.encode(rows, nextRow());
    }

    /** Reads, checks and decodes the next frame of the pre-encoded stream into a row. */
    @Benchmark
    public int decode() throws StreamException {
        if (decoded == PASSES * count) {
            newReader(); // the stream starts again (its cost is spread over the whole pass)
        }
        if (!reader.next()) {
            throw new IllegalStateException("stream ended early");
        }
        decoded++;
        return decoder.decode(reader, out, 0);
    }

    /** Baseline: copying the row. */
    @Benchmark
    public MemorySegment memcpy() {
        MemorySegment.copy(rows, nextRow(), out, 0, ROW);
        return out;
    }

    /** Baseline: LZ4 (JNI, fast) of the raw row. */
    @Benchmark
    public int lz4Raw() {
        return lz4.compress(rows, nextRow(), ROW, lz4Out, 0);
    }
}
