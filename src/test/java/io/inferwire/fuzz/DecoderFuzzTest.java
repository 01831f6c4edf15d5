package io.inferwire.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.inferwire.LimitExceededException;
import io.inferwire.SequenceException;
import io.inferwire.StreamException;
import io.inferwire.lz4.Lz4FrameReader;
import io.inferwire.proto.v1.Frame;
import io.inferwire.sse.SseDecoder;
import io.inferwire.tokens.TokenDecoder;
import io.inferwire.tokens.TokenStep;
import io.inferwire.transform.Backends;
import io.inferwire.transform.TensorCodec;
import io.inferwire.transform.TensorDecoder;
import io.inferwire.wire.FrameEncoder;
import io.inferwire.wire.FrameStreamReader;
import io.inferwire.wire.FrameView;
import io.inferwire.wire.ReaderOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Coverage-guided fuzzing (Jazzer, libFuzzer in-process) of every decoder entry point.
 * The oracle is the same for each: every input ends in a result or in a
 * {@link StreamException}; any other exception or error is a finding, and so is a native
 * allocation that is not bounded by the input's own size or the configured limits.
 *
 * <p>In the normal test run ({@code JAZZER_FUZZ} unset) each target runs once over its
 * committed corpus, {@code src/test/resources/io/inferwire/fuzz/DecoderFuzzTestInputs/<method>/}
 * (valid streams written by the encoders, see {@link FuzzCorpus}, and regression inputs).
 * To fuzz one target, e.g. for five minutes:
 *
 * <pre>{@code
 * JAZZER_FUZZ=1 bin/mvn -B -o test-compile surefire:test@default-test \
 *     -Dtest='DecoderFuzzTest#tensorDecoder' -Djazzer.max_duration=5m
 * }</pre>
 *
 * One target per run: Jazzer fuzzes one {@code @FuzzTest} per JVM, and
 * {@code surefire:test@default-test} keeps the build's second surefire execution from
 * fuzzing it again. Jazzer keeps what it learns in {@code .cifuzz-corpus/} (ignored by
 * git) and writes a crashing input to this class's inputs directory, where it becomes a
 * regression input.
 * Inputs are at most 4096 bytes (libFuzzer's default {@code -max_len}), and an input
 * that takes over {@link #SLOW_MS} is a finding.
 */
class DecoderFuzzTest {

    /** The reader's frame limit in these targets: small, so every allocation stays cheap. */
    static final int MAX_FRAME = 1 << 16;

    /** The tensor decoders' value limit in these targets. */
    static final int MAX_VALUES = 1 << 14;

    /** Inputs are at most 4 KiB: one that takes this long is a hang or worse than linear. */
    static final long SLOW_MS = 5_000;

    static final ReaderOptions OPTIONS = ReaderOptions.defaults()
            .withMaxFrameBytes(MAX_FRAME)
            .withRequireChecksum(false) // frames that carry a checksum are still checked
            .withRequireStreamStart(false);

    /** Any chunking of a byte stream: the reader hands out the same frames and errors whatever the chunks. */
    @FuzzTest(maxDuration = "2m")
    void frameStreamReader(byte[] input) {
        long start = System.nanoTime();
        frameStreamReaderOnce(input);
        inTime(start);
    }

    private static void frameStreamReaderOnce(byte[] input) {
        List<String> whole;
        List<String> chunked;
        try (CountingArena arena = new CountingArena()) {
            whole = read(arena, input, input.length, new SplittableRandom(1));
            arena.assertBounded(input.length, readerBudget());
        }
        try (CountingArena arena = new CountingArena()) {
            SplittableRandom r = new SplittableRandom(Arrays.hashCode(input));
            chunked = read(arena, input, 1 + r.nextInt(Math.max(1, input.length)), r);
            arena.assertBounded(input.length, readerBudget());
        }
        assertEquals(whole, chunked, "the chunking changed what the reader handed out");
    }

    /**
     * A hang guard that works in both modes: an input that takes seconds is a finding
     * (libFuzzer's own per-input timeout is 20 minutes, and a JUnit {@code @Timeout} would
     * also apply to the whole fuzzing run).
     */
    private static void inTime(long start) {
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < SLOW_MS, "one input took " + ms + " ms");
    }

    /** What a reader hands out for {@code input} fed in chunks of 1 to {@code maxChunk} bytes, as text. */
    private static List<String> read(Arena arena, byte[] input, int maxChunk, SplittableRandom r) {
        List<String> log = new ArrayList<>();
        FrameStreamReader reader = new FrameStreamReader(arena, OPTIONS);
        MemorySegment chunk = arena.allocate(Math.max(1, maxChunk));
        int pos = 0;
        do {
            int n = Math.min(input.length - pos, 1 + r.nextInt(Math.max(1, maxChunk)));
            MemorySegment.copy(input, pos, chunk, ValueLayout.JAVA_BYTE, 0, n);
            pos += n;
            reader.feed(chunk.asSlice(0, n));
            if (!drain(reader, log)) {
                return log;
            }
        } while (pos < input.length);
        try {
            reader.finish();
        } catch (StreamException e) {
            log.add(describe(e));
        }
        return log;
    }

    /** Reads frames until the reader needs input (true) or has lost the framing (false). */
    private static boolean drain(FrameStreamReader reader, List<String> log) {
        for (int errors = 0; ; ) {
            try {
                if (!reader.next()) {
                    return true;
                }
                FrameView f = reader.frame();
                MemorySegment data = reader.data();
                log.add("frame " + f.streamId() + "/" + f.seq() + " " + f.kindNumber() + " "
                        + Arrays.hashCode(data.toArray(ValueLayout.JAVA_BYTE)));
            } catch (StreamException e) {
                // A GAP reports an intact frame that the next call hands out; any other error hands out nothing.
                if (!(e instanceof SequenceException g && g.problem() == SequenceException.Problem.GAP)) {
                    assertEquals(0, reader.dataLength(), "data() after an exception");
                }
                log.add(describe(e));
                if (reader.framingLost()) {
                    return false;
                }
                assertTrue(++errors < 100_000, "the reader keeps throwing");
            }
        }
    }

    private static String describe(StreamException e) {
        // The offset of an error found while a frame was being gathered depends on the chunking.
        return e.getClass().getSimpleName() + " " + e.streamId() + "/" + e.seq();
    }

    private static long readerBudget() {
        // pending (grows 2x up to one frame), decoded (grows 2x up to MAX_FRAME), the chunk
        return 4L * (MAX_FRAME + FrameEncoder.MAX_HEADER_BYTES + 5) + (64 << 10);
    }

    /**
     * One message: the flyweight accepts exactly what protobuf's wire walk accepts (but a 0
     * tag and over-long shapes), and reads the same fields.
     */
    @FuzzTest(maxDuration = "2m")
    void frameView(byte[] input) {
        long start = System.nanoTime();
        frameViewOnce(input);
        inTime(start);
    }

    private static void frameViewOnce(byte[] input) {
        FrameView view = new FrameView();
        MemorySegment s = MemorySegment.ofArray(input);
        try {
            view.wrap(s, 0, input.length);
        } catch (LimitExceededException e) {
            assertTrue(view.rank() == FrameView.MAX_RANK, "rank limit without 8 dimensions");
            return;
        } catch (StreamException e) {
            return;
        }
        view.toString();
        for (int i = 0; i < view.rank(); i++) {
            view.dim(i);
        }
        Frame f;
        try {
            f = Frame.parseFrom(input);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("the flyweight accepts what protobuf-java rejects: " + e.getMessage(), e);
        }
        assertEquals(f.getStreamId(), view.streamId());
        assertEquals(f.getSeq(), view.seq());
        assertEquals(f.getKindValue(), view.kindNumber());
        assertEquals(f.getEncodingValue(), view.encodingNumber());
        assertEquals(f.getRawSize(), view.rawSize());
        assertEquals(f.hasChecksum(), view.hasChecksum());
        assertEquals(f.getShapeCount(), view.rank());
        assertArrayEquals(f.getPayload().toByteArray(), view.payload().toArray(ValueLayout.JAVA_BYTE));
    }

    /** The LZ4 frame format: content out or a typed error; memory bounded whatever the input declares. */
    @FuzzTest(maxDuration = "2m")
    void lz4FrameReader(byte[] input) throws IOException {
        long start = System.nanoTime();
        lz4FrameReaderOnce(input);
        inTime(start);
    }

    private static void lz4FrameReaderOnce(byte[] input) throws IOException {
        CountingChannel out = new CountingChannel();
        try {
            long n = Lz4FrameReader.decompress(Channels.newChannel(new ByteArrayInputStream(input)), out);
            assertEquals(out.bytes, n);
        } catch (StreamException e) {
            // typed
        }
        // An LZ4 block expands at most 255:1 (plus raw blocks), whatever sizes the input declares.
        assertTrue(out.bytes <= 256L * input.length, out.bytes + " bytes out of " + input.length);
    }

    /**
     * Tensor frames through a reader into two decoders, one per backend (the Vector API or
     * the factory's choice, and the scalar oracle): both hand out the same values or both
     * throw, and only typed exceptions.
     */
    @FuzzTest(maxDuration = "2m")
    void tensorDecoder(byte[] input) {
        long start = System.nanoTime();
        tensorDecoderOnce(input);
        inTime(start);
    }

    private static void tensorDecoderOnce(byte[] input) {
        try (CountingArena arena = new CountingArena()) {
            TensorDecoder fast = TensorCodec.builder()
                    .backend(Backends.get())
                    .maxValues(MAX_VALUES)
                    .build()
                    .newDecoder(arena);
            TensorDecoder oracle = TensorCodec.builder()
                    .backend(Backends.scalar())
                    .maxValues(MAX_VALUES)
                    .build()
                    .newDecoder(arena);
            MemorySegment a = arena.allocate(4L * MAX_VALUES);
            MemorySegment b = arena.allocate(4L * MAX_VALUES);
            FrameStreamReader reader = new FrameStreamReader(arena, OPTIONS);
            reader.feed(MemorySegment.ofArray(input));
            for (int frames = 0; ; frames++) {
                try {
                    if (!reader.next()) {
                        break;
                    }
                } catch (StreamException e) {
                    if (reader.framingLost()) {
                        break;
                    }
                    continue;
                }
                int na = decode(fast, reader, a);
                int nb = decode(oracle, reader, b);
                assertEquals(nb, na, "backends disagree on frame " + frames);
                if (na > 0) {
                    long diff = MemorySegment.mismatch(a, 0, 4L * na, b, 0, 4L * na);
                    assertEquals(-1, diff, "backends decode frame " + frames + " differently");
                }
            }
            try {
                reader.finish();
            } catch (StreamException e) {
                // typed
            }
            // Two decoders' buffers (recon, z, mean: 3 x 4 B per value, grown 2x), the
            // reader's, and the two output segments.
            arena.assertBounded(input.length, 2 * 2 * 12L * MAX_VALUES + readerBudget() + 8L * MAX_VALUES);
        }
    }

    /** Values written, -1 for a frame that is not a tensor, -2 for a typed rejection. */
    private static int decode(TensorDecoder dec, FrameStreamReader reader, MemorySegment out) {
        try {
            return dec.decode(reader, out, 0);
        } catch (StreamException e) {
            return -2;
        }
    }

    /** Token frames (full and compact) into a token decoder: steps or typed exceptions. */
    @FuzzTest(maxDuration = "2m")
    void tokenDecoder(byte[] input) {
        long start = System.nanoTime();
        tokenDecoderOnce(input);
        inTime(start);
    }

    private static void tokenDecoderOnce(byte[] input) {
        try (CountingArena arena = new CountingArena()) {
            FrameStreamReader reader = new FrameStreamReader(arena, OPTIONS);
            TokenDecoder dec = new TokenDecoder();
            reader.feed(MemorySegment.ofArray(input));
            while (true) {
                try {
                    if (!reader.next()) {
                        break;
                    }
                } catch (StreamException e) {
                    if (reader.framingLost()) {
                        break;
                    }
                    continue;
                }
                try {
                    TokenStep step = dec.accept(reader);
                    if (step != null) {
                        step.toString();
                    }
                } catch (StreamException e) {
                    // typed
                }
            }
            arena.assertBounded(input.length, readerBudget());
        }
    }

    /** A whole SSE token stream: events out or a typed exception (with the reader's default checks). */
    @FuzzTest(maxDuration = "2m")
    void sseDecoder(byte[] input) throws IOException {
        long start = System.nanoTime();
        sseDecoderOnce(input);
        inTime(start);
    }

    private static void sseDecoderOnce(byte[] input) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            SseDecoder.decode(new ByteArrayInputStream(input), out, (input.length & 1) == 1);
        } catch (StreamException e) {
            // typed
        }
    }

    /** Writes nowhere, counting. */
    static final class CountingChannel implements WritableByteChannel {
        long bytes;

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            src.position(src.limit());
            bytes += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}
    }

    /**
     * A confined arena that counts what is allocated from it (TestArena's shared arena is
     * too slow to close a thousand times a second).
     */
    static final class CountingArena implements Arena {
        private final Arena delegate = Arena.ofConfined();
        private long allocated;
        private long largest;

        @Override
        public MemorySegment allocate(long byteSize, long byteAlignment) {
            allocated += byteSize;
            largest = Math.max(largest, byteSize);
            return delegate.allocate(byteSize, byteAlignment);
        }

        @Override
        public MemorySegment.Scope scope() {
            return delegate.scope();
        }

        @Override
        public void close() {
            delegate.close();
        }

        /**
         * Fails unless the arena stayed within {@code budget} in all and no single
         * allocation was larger than the input could justify (an LZ4 payload expands at
         * most 255:1) or the budget.
         */
        void assertBounded(int inputLength, long budget) {
            assertTrue(allocated <= budget, "allocated " + allocated + " bytes, over the budget of " + budget);
            assertTrue(
                    largest <= Math.max(4L * MAX_VALUES, 512L * inputLength + 4096),
                    "an allocation of " + largest + " bytes for " + inputLength + " input bytes");
        }
    }
}
