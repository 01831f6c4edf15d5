package io.inferwire.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.inferwire.proto.v1.StreamRequest;
import io.inferwire.tokens.TokenStep;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoundTripTest {

    @Test
    void tokenStreamRoundTrips() throws Exception {
        try (Fixtures f = new Fixtures()) {
            List<TokenStep> steps = Fixtures.steps(1, 300);
            TokenPublisher pub = f.service.openTokens(7, Fixtures.header("r7"));
            Recorder rec = new Recorder();
            rec.subscription = f.client()
                    .generate(StreamRequest.newBuilder().setStreamId(7).build(), null, rec);
            for (TokenStep s : steps) {
                pub.publish(s);
            }
            pub.finish();
            assertEquals(Status.Code.OK, rec.await().getCode());
            assertTrue(rec.ended);
            assertEquals(steps, rec.steps);
            assertEquals("r7", rec.headers.getFirst().getRequestId());
            assertEquals(0L, rec.firsts.getFirst());
            for (int i = 0; i < steps.size(); i++) {
                assertEquals(i, rec.indexes.get(i));
            }
        }
    }

    @Test
    void tensorStreamRoundTripsBitExact() throws Exception {
        try (Fixtures f = new Fixtures()) {
            List<float[]> rows = Fixtures.rows(2, 200, 384);
            TensorPublisher pub = f.service.openTensors(9, Fixtures.header("e9"), 384);
            for (float[] r : rows.subList(0, 100)) {
                pub.publish(r);
            }
            Recorder rec = new Recorder();
            rec.subscription =
                    f.client().tensors(StreamRequest.newBuilder().setStreamId(9).build(), null, rec);
            for (float[] r : rows.subList(100, 200)) {
                pub.publish(r);
            }
            pub.finish();
            assertEquals(Status.Code.OK, rec.await().getCode());
            assertEquals(rows.size(), rec.rows.size());
            for (int i = 0; i < rows.size(); i++) {
                assertArrayEquals(rows.get(i), rec.rows.get(i), "row " + i);
            }
        }
    }
}
