package io.inferwire.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.Deadline;
import io.grpc.Status;
import io.inferwire.proto.v1.SessionControl;
import io.inferwire.proto.v1.StreamKind;
import io.inferwire.proto.v1.StreamRequest;
import io.inferwire.tokens.TokenStep;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SessionAndLifecycleTest {

    @Test
    void sessionSwitchesProfileAndRequestsKeysMidStream() throws Exception {
        try (Fixtures f = new Fixtures()) {
            List<TokenStep> steps = Fixtures.steps(21, 300);
            TokenPublisher pub = f.service.openTokens(1, Fixtures.header("s"));
            steps.subList(0, 100).forEach(pub::publish);
            CountDownLatch hundred = new CountDownLatch(100);
            Recorder rec = new Recorder();
            rec.onItem = hundred::countDown;
            rec.subscription = f.client()
                    .session(
                            StreamRequest.newBuilder()
                                    .setStreamId(1)
                                    .setKind(StreamKind.STREAM_KIND_TOKENS)
                                    .build(),
                            null,
                            rec);
            assertTrue(hundred.await(30, TimeUnit.SECONDS));
            rec.subscription.control(
                    SessionControl.newBuilder().setRequestKey(true).build());
            steps.subList(100, 200).forEach(pub::publish);
            rec.subscription.control(
                    SessionControl.newBuilder().setProfile("text").build());
            steps.subList(200, 300).forEach(pub::publish);
            pub.finish();
            assertEquals(Status.Code.OK, rec.await().getCode());
            assertEquals(300, rec.steps.size());
            for (int i = 0; i < 300; i++) {
                assertEquals(i, rec.indexes.get(i));
                assertArrayEquals(steps.get(i).text(), rec.steps.get(i).text());
            }
            // a second HEADER at the switch, whose first item is where the text profile starts
            assertEquals(2, rec.headers.size());
            long switchAt = rec.firsts.get(1);
            assertEquals("text", rec.headers.get(1).getMetadataOrThrow("inferwire.grpc.profile"));
            System.out.println("session: profile switched to text at item " + switchAt);
            for (int i = 0; i < 300; i++) {
                TokenStep want = steps.get(i);
                TokenStep got = rec.steps.get(i);
                if (i < switchAt) {
                    assertEquals(want, got);
                } else {
                    assertTrue(got.topLogprobs().isEmpty() && got.tokenIds().length == 0, "item " + i);
                }
            }
        }
    }

    @Test
    void deadlineEndsTheCallAndFreesIt() throws Exception {
        try (Fixtures f = new Fixtures()) {
            TokenPublisher pub = f.service.openTokens(1, Fixtures.header("never ends"));
            List<TokenStep> steps = Fixtures.steps(22, 10);
            steps.forEach(pub::publish);
            Recorder rec = new Recorder();
            rec.subscription = f.client()
                    .withOptions(CallOptions.DEFAULT.withDeadline(Deadline.after(300, TimeUnit.MILLISECONDS)))
                    .generate(StreamRequest.newBuilder().setStreamId(1).build(), null, rec);
            assertEquals(Status.Code.DEADLINE_EXCEEDED, rec.await().getCode());
            assertEquals(steps.subList(0, rec.steps.size()), rec.steps);
            awaitNoCalls(f.service);

            Recorder cancelled = new Recorder();
            cancelled.cancelAfter = i -> i == 4;
            cancelled.subscription = f.client()
                    .generate(StreamRequest.newBuilder().setStreamId(1).build(), null, cancelled);
            Status cs = cancelled.await();
            assertEquals(Status.Code.CANCELLED, cs.getCode(), cs + " " + cs.getCause());
            awaitNoCalls(f.service);

            // a removed stream ends its readers with ABORTED
            Recorder aborted = new Recorder();
            aborted.subscription = f.client()
                    .generate(StreamRequest.newBuilder().setStreamId(1).build(), null, aborted);
            while (pub.calls() == 0 && !aborted.closed.isDone()) {
                Thread.onSpinWait();
            }
            f.service.remove(1);
            Status s = aborted.await();
            assertEquals(Status.Code.ABORTED, s.getCode(), s.toString());
        }
    }

    private static void awaitNoCalls(StreamService service) throws InterruptedException {
        // the server learns of the end asynchronously; no timing is asserted, only that it happens
        for (int i = 0; i < 6000 && service.liveCalls() != 0; i++) {
            Thread.sleep(5);
        }
        assertEquals(0, service.liveCalls());
    }

    @Test
    void concurrentStreamsDoNotCrossTalk() throws Exception {
        try (Fixtures f = new Fixtures()) {
            int n = 16;
            ExecutorService pool = Executors.newFixedThreadPool(n);
            try {
                List<List<TokenStep>> data = new ArrayList<>();
                List<TokenPublisher> pubs = new ArrayList<>();
                List<Recorder> recs = Collections.synchronizedList(new ArrayList<>());
                for (int i = 0; i < n; i++) {
                    data.add(Fixtures.steps(1000 + i, 300));
                    pubs.add(f.service.openTokens(i, Fixtures.header("c" + i)));
                    Recorder rec = new Recorder();
                    rec.subscription = f.client()
                            .generate(StreamRequest.newBuilder().setStreamId(i).build(), null, rec);
                    recs.add(rec);
                }
                List<Future<?>> jobs = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    int k = i;
                    jobs.add(pool.submit(() -> {
                        data.get(k).forEach(pubs.get(k)::publish);
                        pubs.get(k).finish();
                    }));
                }
                for (Future<?> j : jobs) {
                    j.get();
                }
                for (int i = 0; i < n; i++) {
                    Recorder rec = recs.get(i);
                    assertEquals(Status.Code.OK, rec.await().getCode());
                    assertEquals("c" + i, rec.headers.getFirst().getRequestId());
                    assertEquals(data.get(i), rec.steps, "stream " + i);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
