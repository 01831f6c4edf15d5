package io.inferwire.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.Status;
import io.inferwire.proto.v1.StreamRequest;
import io.inferwire.tokens.TokenStep;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A client that reads one frame at a time (manual flow control): the server sends only
 * what the client asked for, so the frames sent and not yet received stay bounded, and
 * the stream's history never exceeds its limits however far the publisher runs ahead.
 */
class BackpressureTest {

    @Test
    void slowReaderHoldsTheServerToTheBound() throws Exception {
        HistoryLimits limits = new HistoryLimits(256, 64 * 1024);
        StreamService service = StreamService.builder().historyLimits(limits).build();
        try (Fixtures f = new Fixtures(service)) {
            List<TokenStep> steps = Fixtures.steps(11, 2000);
            TokenPublisher pub = service.openTokens(1, Fixtures.header("slow"));
            steps.subList(0, 200).forEach(pub::publish);
            Semaphore got = new Semaphore(0);
            AtomicLong worstInFlight = new AtomicLong();
            Recorder rec = new Recorder();
            StreamClient client = new StreamClient(f.channel, CallOptions.DEFAULT, 1, false);
            rec.onItem = () -> {
                long inFlight = service.framesSent() - rec.subscription.framesReceived();
                worstInFlight.accumulateAndGet(inFlight, Math::max);
                got.release();
            };
            rec.subscription =
                    client.generate(StreamRequest.newBuilder().setStreamId(1).build(), null, rec);
            rec.closed.thenRun(got::release);
            int read = 0;
            int published = 200;
            long worstHeld = 0;
            long worstBytes = 0;
            // The publisher runs ahead, 10 steps per step read; the reader asks for one frame at a time.
            while (published < steps.size() && !rec.closed.isDone()) {
                for (int k = 0; k < 10 && published < steps.size(); k++) {
                    pub.publish(steps.get(published++));
                    worstHeld = Math.max(worstHeld, pub.held());
                    worstBytes = Math.max(worstBytes, pub.heldBytes());
                }
                rec.subscription.request(1);
                if (!got.tryAcquire(30, TimeUnit.SECONDS)) {
                    break;
                }
                read++;
            }
            pub.finish();
            Status s = rec.await();
            System.out.printf(
                    "slow reader: read %d of %d steps, then %s; history at most %d steps / %d B (limits %d / %d);"
                            + " frames sent and not received at most %d%n",
                    rec.steps.size(),
                    published,
                    s.getCode(),
                    worstHeld,
                    worstBytes,
                    limits.maxItems(),
                    limits.maxBytes(),
                    worstInFlight.get());
            assertTrue(worstHeld <= limits.maxItems());
            assertTrue(worstBytes <= limits.maxBytes());
            assertTrue(worstInFlight.get() <= 2, "in flight " + worstInFlight.get());
            // it fell behind the history: told so, never silently skipped ahead
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, s.getCode(), s.toString());
            assertTrue(s.getDescription().contains("fell behind"), s.getDescription());
            for (int i = 0; i < rec.steps.size(); i++) {
                assertEquals(steps.get(i), rec.steps.get(i));
            }
            assertEquals(0, service.liveCalls());
        }
    }

    @Test
    void slowReaderWithinTheHistoryGetsEverything() throws Exception {
        try (Fixtures f = new Fixtures()) {
            List<TokenStep> steps = Fixtures.steps(12, 500);
            TokenPublisher pub = f.service.openTokens(2, Fixtures.header("slow"));
            steps.forEach(pub::publish);
            pub.finish();
            Semaphore got = new Semaphore(0);
            AtomicLong worstInFlight = new AtomicLong();
            Recorder rec = new Recorder();
            rec.onItem = () -> {
                worstInFlight.accumulateAndGet(f.service.framesSent() - rec.subscription.framesReceived(), Math::max);
                got.release();
            };
            rec.subscription = new StreamClient(f.channel, CallOptions.DEFAULT, 1, false)
                    .generate(StreamRequest.newBuilder().setStreamId(2).build(), null, rec);
            for (int i = 0; i < steps.size(); i++) {
                rec.subscription.request(1);
                assertTrue(got.tryAcquire(30, TimeUnit.SECONDS));
            }
            rec.subscription.request(1);
            assertEquals(Status.Code.OK, rec.await().getCode());
            assertEquals(steps, rec.steps);
            assertTrue(worstInFlight.get() <= 2, "in flight " + worstInFlight.get());
        }
    }

    @Test
    void publisherThatAwaitsRoomLosesNoStepToASlowReader() throws Exception {
        HistoryLimits limits = new HistoryLimits(64, 1 << 20);
        StreamService service = StreamService.builder().historyLimits(limits).build();
        try (Fixtures f = new Fixtures(service)) {
            List<TokenStep> steps = Fixtures.steps(13, 1000);
            TokenPublisher pub = service.openTokens(3, Fixtures.header("await"));
            Semaphore got = new Semaphore(0);
            Recorder rec = new Recorder();
            rec.onItem = got::release;
            rec.subscription = new StreamClient(f.channel, CallOptions.DEFAULT, 1, false)
                    .generate(StreamRequest.newBuilder().setStreamId(3).build(), null, rec);
            while (pub.calls() == 0) {
                Thread.onSpinWait();
            }
            AtomicLong worstHeld = new AtomicLong();
            Thread runtime = Thread.ofPlatform().start(() -> {
                try {
                    for (TokenStep s : steps) {
                        assertTrue(pub.awaitRoom(java.time.Duration.ofSeconds(30)));
                        pub.publish(s);
                        worstHeld.accumulateAndGet(pub.held(), Math::max);
                    }
                    pub.finish();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            for (int i = 0; i < steps.size(); i++) {
                rec.subscription.request(1);
                assertTrue(got.tryAcquire(30, TimeUnit.SECONDS), "step " + i);
            }
            rec.subscription.request(1);
            runtime.join();
            assertEquals(Status.Code.OK, rec.await().getCode());
            assertEquals(steps, rec.steps);
            assertTrue(worstHeld.get() <= limits.maxItems());
            System.out.println("awaitRoom: 1000 steps through a 64-step history to a one-frame-at-a-time reader");
        }
    }
}
