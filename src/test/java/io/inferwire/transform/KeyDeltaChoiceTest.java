package io.inferwire.transform;

import static io.inferwire.memory.Layouts.FLOAT_LE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferwire.Seeds;
import io.inferwire.StreamException;
import io.inferwire.TestArena;
import io.inferwire.wire.FrameStreamReader;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The KEY-or-DELTA choice pays: on a correlated (drifting) stream the encoder predicts
 * from the previous frame and the stream is smaller than with every frame a KEY
 * ({@code keyInterval 1}); on independent rows the choice costs next to nothing over
 * all-KEY, and error-bounded frames are coded from zero (a KEY frame, or in DENSE mode
 * an intra DELTA that keeps the coder's models).
 */
class KeyDeltaChoiceTest {

    private static final int N = 384;
    private static final int FRAMES = 160;

    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        for (Backend b : TensorCodecTest.backends()) {
            for (TensorCodec.Packing p : TensorCodec.Packing.values()) {
                for (double e : new double[] {0, 1e-4}) {
                    list.add(Arguments.of(b, p, e));
                }
            }
        }
        return list.stream();
    }

    /** Sizes and frame choices of one encoded stream. */
    record Encoded(long bytes, int predicted, int fromZero) {}

    static Encoded encode(TensorCodec codec, float[][] rows) throws StreamException {
        try (TestArena arena = TestArena.open()) {
            TensorEncoder enc = codec.newEncoder(arena);
            TensorDecoder dec = codec.newDecoder(arena);
            FrameStreamReader reader = new FrameStreamReader(arena);
            MemorySegment in = arena.allocate(4L * N);
            MemorySegment out = arena.allocate(4L * N);
            MemorySegment frame = arena.allocate(enc.buffer().byteSize());
            long bytes = 0;
            int predicted = 0;
            int fromZero = 0;
            for (float[] row : rows) {
                MemorySegment.copy(row, 0, in, FLOAT_LE, 0, N);
                int len = enc.encode(in, 0);
                bytes += len;
                MemorySegment.copy(enc.buffer(), enc.frameOffset(), frame, 0, len);
                reader.feed(frame.asSlice(0, len));
                assertTrue(reader.next());
                if (enc.lastPredicted()) {
                    predicted++;
                } else {
                    fromZero++;
                }
                assertEquals(N, dec.decode(reader, out, 0));
                assertTrue(!reader.next());
            }
            return new Encoded(bytes, predicted, fromZero);
        }
    }

    static TensorCodec codec(Backend b, TensorCodec.Packing p, double e, int keyInterval) {
        return codec(b, p, e, keyInterval, TensorCodec.DEFAULT_DECISION_INTERVAL);
    }

    static TensorCodec codec(Backend b, TensorCodec.Packing p, double e, int keyInterval, int decisionInterval) {
        TensorCodec.Builder builder = TensorCodec.builder()
                .shape(N)
                .backend(b)
                .packing(p)
                .keyInterval(keyInterval)
                .decisionInterval(decisionInterval);
        return (e == 0 ? builder.lossless() : builder.errorBound(e)).build();
    }

    @ParameterizedTest(name = "{0} {1} e={2}")
    @MethodSource("cases")
    void deltaIsChosenWhenFramesCorrelateAndPays(Backend b, TensorCodec.Packing p, double e) throws Exception {
        SplittableRandom r = Seeds.random("key/delta correlated " + b.name() + " " + p + " " + e);
        float[][] rows = new float[FRAMES][];
        float[] x = TensorStreams.gaussian(N, r, 0.05);
        for (int f = 0; f < FRAMES; f++) {
            for (int i = 0; i < N; i++) {
                x[i] += (float) (r.nextGaussian() * 2e-4);
            }
            rows[f] = x.clone();
        }
        Encoded chosen = encode(codec(b, p, e, TensorCodec.DEFAULT_KEY_INTERVAL), rows);
        Encoded allKey = encode(codec(b, p, e, 1), rows);
        System.out.printf(
                "%s %s e=%s correlated: chosen %d B (%d predicted, %d from zero), all KEY %d B, %.2fx%n",
                b.name(),
                p,
                e,
                chosen.bytes,
                chosen.predicted,
                chosen.fromZero,
                allKey.bytes,
                (double) allKey.bytes / chosen.bytes);
        assertEquals(FRAMES, allKey.fromZero, "keyInterval 1 makes every frame a KEY");
        assertEquals(1, chosen.fromZero, "only the first frame is coded from zero");
        assertTrue(
                chosen.bytes < 0.9 * allKey.bytes,
                "predicting from the previous frame should pay: " + chosen.bytes + " vs " + allKey.bytes);
    }

    @ParameterizedTest(name = "{0} {1} e={2}")
    @MethodSource("cases")
    void independentRowsAreCodedFromZero(Backend b, TensorCodec.Packing p, double e) throws Exception {
        SplittableRandom r = Seeds.random("key/delta independent " + b.name() + " " + p + " " + e);
        float[][] rows = TensorStreams.make(TensorStreams.Kind.INDEPENDENT, FRAMES, N, r);
        Encoded chosen = encode(codec(b, p, e, TensorCodec.DEFAULT_KEY_INTERVAL), rows);
        Encoded allKey = encode(codec(b, p, e, 1), rows);
        Encoded everyFrame = encode(codec(b, p, e, TensorCodec.DEFAULT_KEY_INTERVAL, 1), rows);
        System.out.printf(
                "%s %s e=%s independent: chosen %d B (%d predicted, %d from zero), deciding every frame %d B (%d"
                        + " predicted), all KEY %d B%n",
                b.name(),
                p,
                e,
                chosen.bytes,
                chosen.predicted,
                chosen.fromZero,
                everyFrame.bytes,
                everyFrame.predicted,
                allKey.bytes);
        // A wrong call (sizes are close on independent rows) holds for decisionInterval frames: a little slack.
        assertTrue(
                chosen.bytes <= 1.02 * allKey.bytes,
                "the choice should cost nothing on independent rows: " + chosen.bytes + " vs " + allKey.bytes);
        assertTrue(everyFrame.bytes <= 1.01 * allKey.bytes, everyFrame.bytes + " vs " + allKey.bytes);
        if (e > 0) {
            // Residuals from the previous independent row spread sqrt(2) wider: coding from zero wins.
            assertTrue(
                    everyFrame.predicted <= FRAMES / 20,
                    everyFrame.predicted + " of " + FRAMES + " independent rows were predicted from the previous one");
        }
    }
}
