package io.inferwire.transform;

import static io.inferwire.memory.Layouts.FLOAT_LE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferwire.Seeds;
import io.inferwire.TestArena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The seed's open-loop scheme ({@link OpenLoopDelta}) drifts without bound on a slowly
 * drifting stream; the closed-loop error-bounded codec, on the same stream and at the
 * same 1e-4, stays within the bound on every frame.
 */
class OpenLoopDriftTest {

    private static final int N = 384;
    private static final int FRAMES = 2000;
    private static final float THRESHOLD = 1e-4f;
    private static final int[] CHECKPOINTS = {1, 10, 100, 250, 500, 1000, 1500, 2000};

    /**
     * Every dimension moves by a steady velocity of 2e-5..6e-5 per frame (random sign)
     * plus a little noise: almost every per-frame change is under the threshold.
     */
    static float[][] slowDrift(SplittableRandom r) {
        float[][] rows = new float[FRAMES][N];
        float[] x = TensorStreams.gaussian(N, r, 0.05);
        double[] velocity = new double[N];
        for (int i = 0; i < N; i++) {
            velocity[i] = (r.nextBoolean() ? 1 : -1) * (2e-5 + 4e-5 * r.nextDouble());
        }
        for (int f = 0; f < FRAMES; f++) {
            if (f > 0) {
                for (int i = 0; i < N; i++) {
                    x[i] += (float) (velocity[i] + r.nextGaussian() * 1.5e-5);
                }
            }
            rows[f] = x.clone();
        }
        return rows;
    }

    @Test
    void openLoopDriftsPastTheThresholdWhileClosedLoopStaysWithinTheBound() throws Exception {
        SplittableRandom r = Seeds.random("open-loop drift");
        float[][] rows = slowDrift(r);
        long small = 0;
        for (int f = 1; f < FRAMES; f++) {
            for (int i = 0; i < N; i++) {
                if (Math.abs(rows[f][i] - rows[f - 1][i]) < THRESHOLD) {
                    small++;
                }
            }
        }
        double smallShare = small / ((FRAMES - 1.0) * N);
        System.out.printf("per-frame changes below %.0e: %.2f%%%n", THRESHOLD, 100 * smallShare);
        assertTrue(smallShare > 0.95, "the stream should drift by less than the threshold per frame");

        double[] openMax = new double[FRAMES];
        try (TestArena arena = TestArena.open()) {
            OpenLoopDelta.Encoder enc = OpenLoopDelta.newEncoder(N, THRESHOLD, arena);
            OpenLoopDelta.Decoder dec = OpenLoopDelta.newDecoder(N, arena);
            MemorySegment in = arena.allocate(4L * N);
            MemorySegment payload = arena.allocate(OpenLoopDelta.payloadBytes(N));
            MemorySegment out = arena.allocate(4L * N);
            double worst = 0;
            for (int f = 0; f < FRAMES; f++) {
                MemorySegment.copy(rows[f], 0, in, FLOAT_LE, 0, N);
                enc.encode(in, 0, payload, 0);
                dec.decode(payload, 0, out, 0);
                for (int i = 0; i < N; i++) {
                    worst = Math.max(worst, Math.abs((double) rows[f][i] - out.get(FLOAT_LE, 4L * i)));
                }
                openMax[f] = worst;
            }
        }

        double[][] closedMax = new double[2][FRAMES];
        TensorCodec.Packing[] packings = TensorCodec.Packing.values();
        for (int p = 0; p < packings.length; p++) {
            TensorCodec codec = TensorCodec.builder()
                    .shape(N)
                    .errorBound(THRESHOLD)
                    .packing(packings[p])
                    .build();
            try (TestArena arena = TestArena.open()) {
                TensorRoundTrip rt = TensorRoundTrip.run(codec, rows, arena);
                double worst = 0;
                for (int f = 0; f < FRAMES; f++) {
                    double frameMax = 0;
                    for (int i = 0; i < N; i++) {
                        frameMax = Math.max(
                                frameMax,
                                Math.abs((double) rows[f][i] - rt.decoded.get(f)[i]));
                    }
                    // Compared in double with the float bound as given, as a user would.
                    assertTrue(
                            frameMax <= THRESHOLD,
                            packings[p] + " frame " + f + ": max error " + frameMax + " > " + THRESHOLD);
                    worst = Math.max(worst, frameMax);
                    closedMax[p][f] = worst;
                }
            }
        }

        System.out.printf("%6s  %14s  %14s  %14s%n", "frames", "open-loop max", "closed FAST", "closed DENSE");
        for (int c : CHECKPOINTS) {
            System.out.printf(
                    "%6d  %14.3e  %14.3e  %14.3e%n", c, openMax[c - 1], closedMax[0][c - 1], closedMax[1][c - 1]);
        }
        double last = openMax[FRAMES - 1];
        assertTrue(last > 10 * THRESHOLD, "open-loop max error after " + FRAMES + " frames is only " + last);
        assertTrue(openMax[999] > 5 * THRESHOLD, "open-loop max error after 1000 frames: " + openMax[999]);
        assertTrue(last > 2 * openMax[249], "the open-loop error keeps growing");
    }

    @Test
    void openLoopRoundTripsLargeStepsAndRejectsBadArguments() {
        try (TestArena arena = TestArena.open()) {
            int n = 5;
            OpenLoopDelta.Encoder enc = OpenLoopDelta.newEncoder(n, 0.5f, arena);
            OpenLoopDelta.Decoder dec = OpenLoopDelta.newDecoder(n, arena);
            MemorySegment in = arena.allocate(4L * n);
            MemorySegment payload = arena.allocate(OpenLoopDelta.payloadBytes(n));
            MemorySegment out = arena.allocate(4L * n);
            MemorySegment.copy(new float[] {1, 2, 0.25f, -3, 0}, 0, in, FLOAT_LE, 0, n);
            assertEquals(3, enc.encode(in, 0, payload, 0), "0.25 and 0 are under the threshold");
            dec.decode(payload, 0, out, 0);
            float[] got = out.toArray(FLOAT_LE);
            assertEquals(1f, got[0]);
            assertEquals(0f, got[2], "a dropped first value stays 0");
            assertEquals(-3f, got[3]);
            assertThrows(IndexOutOfBoundsException.class, () -> enc.encode(in, 4, payload, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> dec.decode(payload, 0, out, 1));
            assertThrows(IllegalArgumentException.class, () -> OpenLoopDelta.newEncoder(0, 1f, arena));
            assertThrows(IllegalArgumentException.class, () -> OpenLoopDelta.newEncoder(1, Float.NaN, arena));
        }
    }
}
