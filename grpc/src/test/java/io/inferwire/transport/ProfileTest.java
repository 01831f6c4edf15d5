package io.inferwire.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.FieldMask;
import io.grpc.Metadata;
import io.grpc.Status;
import io.inferwire.proto.v1.SessionControl;
import io.inferwire.proto.v1.StreamKind;
import io.inferwire.proto.v1.StreamRequest;
import io.inferwire.tokens.TokenStep;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ProfileTest {

    private static Recorder readTokens(Fixtures f, StreamRequest req, Metadata headers) throws Exception {
        Recorder rec = new Recorder();
        rec.subscription = f.client().generate(req, headers, rec);
        rec.await();
        return rec;
    }

    private static TokenPublisher publishTokens(Fixtures f, long id, List<TokenStep> steps) {
        TokenPublisher pub = f.service.openTokens(id, Fixtures.header("p" + id));
        steps.forEach(pub::publish);
        pub.finish();
        return pub;
    }

    @Test
    void textProfileSendsTextOnly() throws Exception {
        try (Fixtures f = new Fixtures()) {
            List<TokenStep> steps = Fixtures.steps(3, 200);
            publishTokens(f, 1, steps);
            Recorder full =
                    readTokens(f, StreamRequest.newBuilder().setStreamId(1).build(), null);
            Recorder text = readTokens(
                    f,
                    StreamRequest.newBuilder().setStreamId(1).setProfile("text").build(),
                    null);
            assertEquals(Status.Code.OK, text.await().getCode());
            assertEquals(steps.size(), text.steps.size());
            for (int i = 0; i < steps.size(); i++) {
                TokenStep s = steps.get(i);
                TokenStep t = text.steps.get(i);
                assertArrayEquals(s.text(), t.text());
                assertEquals(s.finishReason(), t.finishReason());
                assertEquals(s.revision(), t.revision());
                assertEquals(0, t.tokenIds().length);
                assertEquals(0, t.logprobs().length);
                assertTrue(t.topLogprobs().isEmpty());
            }
            assertEquals("text", text.headers.getFirst().getMetadataOrThrow("inferwire.grpc.profile"));
            long fullBytes = full.subscription.bytesReceived();
            long textBytes = text.subscription.bytesReceived();
            System.out.printf("token stream, 200 steps with top-20: full %d B, text %d B%n", fullBytes, textBytes);
            assertTrue(textBytes * 4 < fullBytes, "text-only must be far smaller than full");
        }
    }

    @Test
    void top3ByProfileAndByHeaderAndByTopK() throws Exception {
        try (Fixtures f = new Fixtures()) {
            List<TokenStep> steps = Fixtures.steps(4, 100);
            publishTokens(f, 2, steps);
            Metadata h = new Metadata();
            h.put(StreamService.ACCEPT_PROFILE, "top3");
            for (Recorder rec : List.of(
                    readTokens(
                            f,
                            StreamRequest.newBuilder()
                                    .setStreamId(2)
                                    .setProfile("top3")
                                    .build(),
                            null),
                    readTokens(f, StreamRequest.newBuilder().setStreamId(2).build(), h),
                    readTokens(
                            f,
                            StreamRequest.newBuilder().setStreamId(2).setTopK(3).build(),
                            null))) {
                assertEquals(Status.Code.OK, rec.await().getCode());
                for (int i = 0; i < steps.size(); i++) {
                    TokenStep s = steps.get(i);
                    TokenStep t = rec.steps.get(i);
                    assertEquals(s.topLogprobs().subList(0, 3), t.topLogprobs());
                    assertArrayEquals(s.tokenIds(), t.tokenIds());
                    assertArrayEquals(s.logprobs(), t.logprobs());
                    assertArrayEquals(s.text(), t.text());
                }
            }
        }
    }

    @Test
    void fieldMaskNarrowsTheProfile() throws Exception {
        try (Fixtures f = new Fixtures()) {
            List<TokenStep> steps = Fixtures.steps(5, 50);
            publishTokens(f, 3, steps);
            Recorder rec = readTokens(
                    f,
                    StreamRequest.newBuilder()
                            .setStreamId(3)
                            .setFieldMask(FieldMask.newBuilder()
                                    .addPaths("token_ids")
                                    .addPaths("finish_reason")
                                    .build())
                            .build(),
                    null);
            assertEquals(Status.Code.OK, rec.await().getCode());
            for (int i = 0; i < steps.size(); i++) {
                TokenStep t = rec.steps.get(i);
                assertArrayEquals(steps.get(i).tokenIds(), t.tokenIds());
                assertEquals(0, t.text().length);
                assertTrue(t.topLogprobs().isEmpty());
                assertNull(t.revision());
                assertEquals(steps.get(i).finishReason(), t.finishReason());
            }
        }
    }

    @Test
    void tensorsAtBound1e3ByHeader() throws Exception {
        try (Fixtures f = new Fixtures()) {
            List<float[]> rows = Fixtures.rows(6, 300, 384);
            TensorPublisher pub = f.service.openTensors(4, Fixtures.header("t"), 384);
            rows.forEach(pub::publish);
            pub.finish();
            Recorder lossless = new Recorder();
            lossless.subscription =
                    f.client().tensors(StreamRequest.newBuilder().setStreamId(4).build(), null, lossless);
            Metadata h = new Metadata();
            h.put(StreamService.ACCEPT_PROFILE, "e1e-3");
            Recorder bounded = new Recorder();
            bounded.subscription =
                    f.client().tensors(StreamRequest.newBuilder().setStreamId(4).build(), h, bounded);
            assertEquals(Status.Code.OK, lossless.await().getCode());
            assertEquals(Status.Code.OK, bounded.await().getCode());
            double worst = 0;
            for (int i = 0; i < rows.size(); i++) {
                assertArrayEquals(rows.get(i), lossless.rows.get(i));
                for (int j = 0; j < 384; j++) {
                    worst = Math.max(
                            worst, Math.abs(rows.get(i)[j] - bounded.rows.get(i)[j]));
                }
            }
            System.out.printf(
                    "tensor stream, 300 x 384: lossless %d B, e1e-3 %d B, max error %.3g%n",
                    lossless.subscription.bytesReceived(), bounded.subscription.bytesReceived(), worst);
            assertTrue(worst <= 1e-3, "max error " + worst);
            assertTrue(bounded.subscription.bytesReceived() < lossless.subscription.bytesReceived());
        }
    }

    @Test
    void badRequestsAreInvalidArgument() throws Exception {
        try (Fixtures f = new Fixtures()) {
            publishTokens(f, 5, Fixtures.steps(7, 10));
            TensorPublisher t = f.service.openTensors(6, Fixtures.header("t"), 4);
            t.publish(new float[4]);
            Function<StreamRequest, Status> gen = req -> {
                try {
                    return readTokens(f, req, null).await();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            };
            Status s = gen.apply(
                    StreamRequest.newBuilder().setStreamId(5).setProfile("nope").build());
            assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
            assertTrue(s.getDescription().contains("unknown profile 'nope'"), s.getDescription());
            s = gen.apply(StreamRequest.newBuilder()
                    .setStreamId(5)
                    .setFieldMask(FieldMask.newBuilder().addPaths("values"))
                    .build());
            assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
            assertTrue(s.getDescription().contains("field_mask path 'values'"), s.getDescription());
            s = gen.apply(
                    StreamRequest.newBuilder().setStreamId(5).setErrorBound(-1).build());
            assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
            s = gen.apply(
                    StreamRequest.newBuilder().setStreamId(5).setTopK(5000).build());
            assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
            s = gen.apply(
                    StreamRequest.newBuilder().setStreamId(5).setResumeAfter(10).build());
            assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
            assertTrue(s.getDescription().contains("beyond"), s.getDescription());
            s = gen.apply(StreamRequest.newBuilder().setStreamId(6).build());
            assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
            assertTrue(s.getDescription().contains("tensor stream"), s.getDescription());
            s = gen.apply(StreamRequest.newBuilder().setStreamId(99).build());
            assertEquals(Status.Code.NOT_FOUND, s.getCode());

            Recorder rec = new Recorder();
            rec.subscription =
                    f.client().session(StreamRequest.newBuilder().setStreamId(5).build(), null, rec);
            s = rec.await();
            assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
            assertTrue(s.getDescription().contains("kind"), s.getDescription());

            Recorder ctl = new Recorder();
            ctl.subscription = f.client()
                    .session(
                            StreamRequest.newBuilder()
                                    .setStreamId(6)
                                    .setKind(StreamKind.STREAM_KIND_TENSORS)
                                    .build(),
                            null,
                            ctl);
            ctl.subscription.control(
                    SessionControl.newBuilder().setProfile("nope").build());
            s = ctl.await();
            assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
            assertTrue(s.getDescription().contains("unknown profile"), s.getDescription());
            assertEquals(0, f.service.liveCalls());
        }
    }
}
