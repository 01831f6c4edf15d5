package io.inferwire.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.stub.StreamObserver;
import io.inferwire.proto.v1.Frame;
import io.inferwire.proto.v1.FrameKind;
import io.inferwire.proto.v1.SessionControl;
import io.inferwire.proto.v1.SessionMessage;
import io.inferwire.proto.v1.StreamKind;
import io.inferwire.proto.v1.StreamRequest;
import io.inferwire.proto.v1.StreamServiceGrpc;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Any gRPC client with the generated classes reads the service: every message parses as a Frame. */
class GeneratedStubTest {

    @Test
    void blockingStubReadsFramesOfATensorStream() throws Exception {
        try (Fixtures f = new Fixtures()) {
            TensorPublisher pub = f.service.openTensors(3, Fixtures.header("stub"), 32);
            Fixtures.rows(41, 50, 32).forEach(pub::publish);
            pub.finish();
            Iterator<Frame> it = StreamServiceGrpc.newBlockingStub(f.channel)
                    .tensors(StreamRequest.newBuilder().setStreamId(3).build());
            List<Frame> frames = new ArrayList<>();
            it.forEachRemaining(frames::add);
            assertEquals(52, frames.size());
            assertEquals(FrameKind.FRAME_KIND_HEADER, frames.getFirst().getKind());
            assertEquals(FrameKind.FRAME_KIND_KEY, frames.get(1).getKind());
            assertEquals(FrameKind.FRAME_KIND_END, frames.getLast().getKind());
            for (int i = 0; i < frames.size(); i++) {
                assertEquals(3, frames.get(i).getStreamId());
                assertEquals(i, frames.get(i).getSeq());
            }
        }
    }

    @Test
    void sessionKeyRequestMakesTheNextRowAKeyFrame() throws Exception {
        try (Fixtures f = new Fixtures()) {
            TensorPublisher pub = f.service.openTensors(4, Fixtures.header("key"), 64);
            List<float[]> rows = Fixtures.rows(42, 200, 64);
            rows.subList(0, 100).forEach(pub::publish);
            List<Frame> frames = new java.util.concurrent.CopyOnWriteArrayList<>();
            CountDownLatch first = new CountDownLatch(101);
            CompletableFuture<Void> done = new CompletableFuture<>();
            StreamObserver<SessionMessage> requests = StreamServiceGrpc.newStub(f.channel)
                    .session(new StreamObserver<>() {
                        @Override
                        public void onNext(Frame frame) {
                            frames.add(frame);
                            first.countDown();
                        }

                        @Override
                        public void onError(Throwable t) {
                            done.completeExceptionally(t);
                        }

                        @Override
                        public void onCompleted() {
                            done.complete(null);
                        }
                    });
            requests.onNext(SessionMessage.newBuilder()
                    .setRequest(StreamRequest.newBuilder().setStreamId(4).setKind(StreamKind.STREAM_KIND_TENSORS))
                    .build());
            assertTrue(first.await(30, TimeUnit.SECONDS));
            // the 100 rows so far: one KEY, then DELTAs (correlated rows)
            long keysBefore = frames.stream()
                    .filter(x -> x.getKind() == FrameKind.FRAME_KIND_KEY)
                    .count();
            requests.onNext(SessionMessage.newBuilder()
                    .setControl(SessionControl.newBuilder().setRequestKey(true))
                    .build());
            // the rows published after the control: one of them must go out as a KEY frame
            rows.subList(100, 200).forEach(pub::publish);
            pub.finish();
            done.get(30, TimeUnit.SECONDS);
            requests.onCompleted();
            long keysAfter = frames.subList(101, frames.size()).stream()
                    .filter(x -> x.getKind() == FrameKind.FRAME_KIND_KEY)
                    .count();
            System.out.println("session: KEY frames before the request " + keysBefore + ", after " + keysAfter);
            assertEquals(202, frames.size());
            assertTrue(keysAfter >= 1, "no KEY frame after request_key");

            // without the request, the same rows make no KEY frame after the first
            TensorPublisher plain = f.service.openTensors(5, Fixtures.header("plain"), 64);
            rows.forEach(plain::publish);
            plain.finish();
            List<Frame> all = new ArrayList<>();
            StreamServiceGrpc.newBlockingStub(f.channel)
                    .tensors(StreamRequest.newBuilder().setStreamId(5).build())
                    .forEachRemaining(all::add);
            assertEquals(
                    1,
                    all.stream()
                            .filter(x -> x.getKind() == FrameKind.FRAME_KIND_KEY)
                            .count());
        }
    }
}
