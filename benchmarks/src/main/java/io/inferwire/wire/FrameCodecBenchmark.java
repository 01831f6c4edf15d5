package io.inferwire.wire;

import io.inferwire.StreamException;
import io.inferwire.memory.Layouts;
import io.inferwire.proto.v1.FrameKind;
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
 * Frames per second of {@link FrameEncoder} and {@link FrameStreamReader}, and (with
 * {@code -prof gc}) heap bytes per frame: {@code gc.alloc.rate.norm} is B/op, and one
 * op is one frame. The steady-state target is at most 64 B/frame.
 *
 * <p>Payloads: {@code row} is one row of 384 float32 (seeded gaussian values, like an
 * embedding; LZ4 cannot shrink them, so with {@code LZ4} the encoder tries the
 * compressor and stores the row raw), {@code text} is 1536 B of English prose (LZ4
 * stores it compressed), {@code token} is a token's UTF-8 text (below
 * {@code FrameEncoder.MIN_COMPRESS_BYTES}, so always stored raw).
 *
 * <ul>
 *   <li>{@code encode}: one frame with the next sequence number into the encoder's buffer.
 *   <li>{@code decode}: {@link FrameStreamReader#next()} over a pre-encoded run of
 *       {@value #RUN} frames (seq 0..{@value #RUN}-1) fed as one chunk; when the run is
 *       used up a new reader (and its arena) takes it from the start, so that cost is
 *       spread over {@value #RUN} frames.
 *   <li>{@code roundTrip}: {@code encode} then {@link FrameView#wrap} of the bytes.
 * </ul>
 *
 * <pre>benchmarks/run FrameCodecBenchmark -prof gc</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class FrameCodecBenchmark {

    /** Frames in the pre-encoded run that {@code decode} reads. */
    static final int RUN = 4096;

    private static final long STREAM_ID = 1;
    private static final int FLOATS = 384;
    private static final String TOKEN = " world";
    private static final String PROSE =
            "It was the best of times, it was the worst of times, it was the age of wisdom, "
                    + "it was the age of foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the "
                    + "season of Light, it was the season of Darkness, it was the spring of hope, it was the winter of despair. ";

    /**
     * The payload: {@code row} is 384 float32 (1536 B, seeded gaussian values; LZ4 cannot
     * shrink them), {@code text} 1536 B of English (LZ4 halves it, so decode exercises
     * LZ4 decompression), {@code token} a token's 6 B of UTF-8.
     */
    @Param({"row", "text", "token"})
    public String payloadKind;

    private int payloadBytes;

    /** Payload compression of the encoder. */
    @Param({"NONE", "LZ4"})
    public FrameEncoder.Compression compression;

    /** Whether frames carry an xxHash32 of the payload (the reader verifies it). */
    @Param({"true"})
    public boolean checksums;

    private Arena arena;
    private MemorySegment payload;
    private FrameKind kind;
    private int[] shape;
    private FrameEncoder encoder;
    private long seq;

    private final FrameView view = new FrameView();

    private MemorySegment run;
    private ReaderOptions readerOptions;
    private Arena readerArena;
    private FrameStreamReader reader;

    @Setup(Level.Trial)
    public void setUp() throws StreamException {
        arena = Arena.ofConfined();
        payloadBytes = payloadKind.equals("token") ? TOKEN.length() : FLOATS * Float.BYTES;
        payload = arena.allocate(payloadBytes, 64);
        if (payloadKind.equals("row")) {
            Random random = new Random(42);
            for (int i = 0; i < FLOATS; i++) {
                payload.setAtIndex(Layouts.FLOAT_LE, i, (float) (random.nextGaussian() * 0.05));
            }
            kind = FrameKind.FRAME_KIND_KEY;
            shape = new int[] {FLOATS};
        } else {
            byte[] text = (payloadKind.equals("text") ? PROSE : TOKEN).getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < payloadBytes; i++) {
                payload.set(ValueLayout.JAVA_BYTE, i, text[i % text.length]);
            }
            kind = FrameKind.FRAME_KIND_TOKENS;
            shape = new int[0];
        }
        encoder = new FrameEncoder(arena, payloadBytes, compression, checksums);

        // The run that decode reads: seq 0..RUN-1 of one stream, back to back.
        long cap =
                (long) RUN * (FrameEncoder.MAX_HEADER_BYTES + encoder.buffer().byteSize());
        MemorySegment all = arena.allocate(cap, 64);
        long size = 0;
        for (int i = 0; i < RUN; i++) {
            int n = encoder.encode(STREAM_ID, i, kind, 0.0, shape, payload, 0, payloadBytes);
            MemorySegment.copy(encoder.buffer(), encoder.frameOffset(), all, size, n);
            size += n;
        }
        run = all.asSlice(0, size);
        // The run starts at seq 0, so every fresh reader sees a well-formed stream; one
        // stream only, so the reader's stream table is small (the default 4096 streams
        // would allocate ~150 KB per reader, ~36 B a frame at one reader per run).
        readerOptions = ReaderOptions.defaults().withMaxStreams(1);
        readerArena = Arena.ofConfined();
        reader = newReader();
        // Sanity: the whole run reads back.
        int frames = 0;
        while (reader.next()) {
            frames++;
        }
        if (frames != RUN) {
            throw new IllegalStateException("read " + frames + " of " + RUN + " frames");
        }
        reader = newReader();
        seq = RUN;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        readerArena.close();
        arena.close();
    }

    private FrameStreamReader newReader() {
        readerArena.close();
        readerArena = Arena.ofConfined();
        FrameStreamReader r = new FrameStreamReader(readerArena, readerOptions);
        r.feed(run);
        return r;
    }

    /** Encodes one frame; returns its length. */
    @Benchmark
    public int encode() {
        return encoder.encode(STREAM_ID, seq++, kind, 0.0, shape, payload, 0, payloadBytes);
    }

    /** Reads (parses, checks the sequence, verifies the checksum of) the next frame. */
    @Benchmark
    public long decode() throws StreamException {
        FrameStreamReader r = reader;
        if (!r.next()) {
            r = reader = newReader();
            if (!r.next()) {
                throw new IllegalStateException("empty run");
            }
        }
        return r.dataOffset() + r.dataLength() + r.frame().seq();
    }

    /** Encodes one frame, then parses its bytes with a reused {@link FrameView}. */
    @Benchmark
    public long roundTrip() throws StreamException {
        int n = encoder.encode(STREAM_ID, seq++, kind, 0.0, shape, payload, 0, payloadBytes);
        MemorySegment buffer = encoder.buffer();
        long at = encoder.frameOffset();
        int prefix = 1;
        while (buffer.get(ValueLayout.JAVA_BYTE, at + prefix - 1) < 0) {
            prefix++;
        }
        FrameView v = view.wrap(buffer, at + prefix, n - prefix);
        return v.seq() + v.payloadOffset() + v.payloadLength() + v.checksum();
    }
}
