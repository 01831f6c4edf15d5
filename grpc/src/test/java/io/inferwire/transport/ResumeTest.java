package io.inferwire.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.inferwire.proto.v1.StreamRequest;
import io.inferwire.tokens.TokenStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Cuts calls at seeded random points and resumes them: every item arrives exactly once. */
class ResumeTest {

    private static final long SEED = Long.getLong("inferwire.test.seed", 20261125L);

    @Test
    void tokenStreamSurvivesCutsAtRandomPoints() throws Exception {
        Random r = new Random(SEED);
        System.out.println("ResumeTest seed " + SEED + " (-Dinferwire.test.seed=N to repeat another)");
        try (Fixtures f = new Fixtures()) {
            for (int round = 0; round < 5; round++) {
                List<TokenStep> steps = Fixtures.steps(SEED + round, 400);
                long id = 100 + round;
                TokenPublisher pub = f.service.openTokens(id, Fixtures.header("resume"));
                // half published before the first call, half while it runs
                steps.subList(0, 200).forEach(pub::publish);
                List<Long> cuts = new ArrayList<>();
                List<Long> indexes = new ArrayList<>();
                List<TokenStep> got = new ArrayList<>();
                long last = -1;
                int calls = 0;
                boolean publishedRest = false;
                while (true) {
                    long cut = last + 1 + r.nextInt(120);
                    Recorder rec = new Recorder();
                    rec.cancelAfter = i -> i == cut;
                    StreamRequest.Builder req = StreamRequest.newBuilder().setStreamId(id);
                    if (last >= 0) {
                        req.setResumeAfter(last);
                    }
                    // half the calls on a fresh channel (a client that reconnects)
                    ManagedChannel ch = calls % 2 == 0
                            ? f.channel
                            : InProcessChannelBuilder.forName(f.serverName()).build();
                    rec.subscription = new StreamClient(ch).generate(req.build(), null, rec);
                    calls++;
                    if (!publishedRest) {
                        steps.subList(200, 400).forEach(pub::publish);
                        pub.finish();
                        publishedRest = true;
                    }
                    Status s = rec.await();
                    if (ch != f.channel) {
                        ch.shutdownNow();
                    }
                    indexes.addAll(rec.indexes);
                    got.addAll(rec.steps);
                    if (s.isOk()) {
                        assertTrue(rec.ended);
                        break;
                    }
                    assertEquals(Status.Code.CANCELLED, s.getCode(), s.toString());
                    cuts.add(cut);
                    last = rec.subscription.lastIndex() >= 0 ? rec.subscription.lastIndex() : last;
                    assertTrue(calls < 100, "too many calls");
                }
                System.out.println("round " + round + ": cut after items " + cuts + ", " + calls + " calls");
                assertEquals(steps.size(), got.size(), "steps lost or duplicated");
                for (int i = 0; i < steps.size(); i++) {
                    assertEquals(i, indexes.get(i));
                }
                assertEquals(steps, got);
            }
        }
    }

    @Test
    void tensorStreamSurvivesCutsAtRandomPoints() throws Exception {
        Random r = new Random(SEED + 1);
        try (Fixtures f = new Fixtures()) {
            List<float[]> rows = Fixtures.rows(SEED, 300, 64);
            TensorPublisher pub = f.service.openTensors(1, Fixtures.header("t"), 64);
            rows.forEach(pub::publish);
            pub.finish();
            List<float[]> got = new ArrayList<>();
            long last = -1;
            List<Long> cuts = new ArrayList<>();
            while (true) {
                long cut = last + 1 + r.nextInt(80);
                Recorder rec = new Recorder();
                rec.cancelAfter = i -> i == cut;
                StreamRequest.Builder req = StreamRequest.newBuilder().setStreamId(1);
                if (last >= 0) {
                    req.setResumeAfter(last);
                }
                rec.subscription = f.client().tensors(req.build(), null, rec);
                Status s = rec.await();
                got.addAll(rec.rows);
                if (s.isOk()) {
                    break;
                }
                cuts.add(cut);
                last = rec.subscription.lastIndex();
            }
            System.out.println("tensor stream (seed " + (SEED + 1) + "): cut after rows " + cuts);
            assertEquals(rows.size(), got.size());
            for (int i = 0; i < rows.size(); i++) {
                assertArrayEquals(rows.get(i), got.get(i), "row " + i);
            }
        }
    }

    @Test
    void resumeBeyondTheHistoryIsOutOfRangeOrSkipsAheadWhenAllowed() throws Exception {
        StreamService service = StreamService.builder()
                .historyLimits(new HistoryLimits(50, 1 << 20))
                .build();
        try (Fixtures f = new Fixtures(service)) {
            List<TokenStep> steps = Fixtures.steps(8, 200);
            TokenPublisher pub = service.openTokens(1, Fixtures.header("h"));
            steps.forEach(pub::publish);
            pub.finish();
            assertEquals(50, pub.held());
            Recorder rec = new Recorder();
            rec.subscription = f.client()
                    .generate(
                            StreamRequest.newBuilder()
                                    .setStreamId(1)
                                    .setResumeAfter(10)
                                    .build(),
                            null,
                            rec);
            Status s = rec.await();
            assertEquals(Status.Code.OUT_OF_RANGE, s.getCode());
            assertTrue(s.getDescription().contains("oldest held is 150"), s.getDescription());

            Recorder gap = new Recorder();
            gap.subscription = f.client()
                    .generate(
                            StreamRequest.newBuilder()
                                    .setStreamId(1)
                                    .setResumeAfter(10)
                                    .setAllowGap(true)
                                    .build(),
                            null,
                            gap);
            assertEquals(Status.Code.OK, gap.await().getCode());
            assertEquals(150L, gap.firsts.getFirst());
            assertEquals(steps.subList(150, 200), gap.steps);
        }
    }
}
