package io.inferwire.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ClientStreamTracer;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.proto.v1.StreamRequest;
import io.inferwire.tokens.TokenStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/** Over real HTTP/2 on loopback (grpc-netty-shaded): lz4 negotiation, and a server dropped mid-stream. */
class NettyLoopbackTest {

    private static final long SEED = Long.getLong("inferwire.test.seed", 20261125L);

    private static Server start(StreamService service) throws Exception {
        return Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .addService(service)
                .compressorRegistry(Lz4Codec.compressorRegistry())
                .decompressorRegistry(Lz4Codec.decompressorRegistry())
                .build()
                .start();
    }

    private static ManagedChannel connect(Server server) {
        return Grpc.newChannelBuilderForAddress("127.0.0.1", server.getPort(), InsecureChannelCredentials.create())
                .compressorRegistry(Lz4Codec.compressorRegistry())
                .decompressorRegistry(Lz4Codec.decompressorRegistry())
                .build();
    }

    /** Keeps the grpc-encoding of each response. */
    private static final class EncodingSpy implements ClientInterceptor {
        final ConcurrentLinkedQueue<String> encodings = new ConcurrentLinkedQueue<>();
        static final Metadata.Key<String> KEY = Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER);

        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    super.start(
                            new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                                @Override
                                public void onHeaders(Metadata h) {
                                    String e = h.get(KEY);
                                    encodings.add(e == null ? "identity" : e);
                                    super.onHeaders(h);
                                }
                            },
                            headers);
                }
            };
        }
    }

    @Test
    void tokensAndTensorsOverHttp2WithLz4() throws Exception {
        StreamService service = StreamService.builder().build();
        Server server = start(service);
        ManagedChannel channel = connect(server);
        try {
            List<TokenStep> steps = Fixtures.steps(31, 500);
            TokenPublisher tp = service.openTokens(1, Fixtures.header("n1"));
            steps.forEach(tp::publish);
            tp.finish();
            List<float[]> rows = Fixtures.rows(32, 200, 384);
            TensorPublisher rp = service.openTensors(2, Fixtures.header("n2"), 384);
            rows.forEach(rp::publish);
            rp.finish();

            EncodingSpy spy = new EncodingSpy();
            Channel ch = ClientInterceptors.intercept(channel, spy);
            for (String enc : new String[] {"identity", Lz4Codec.NAME, "gzip"}) {
                CallOptions o = enc.equals("identity") ? CallOptions.DEFAULT : CallOptions.DEFAULT.withCompression(enc);
                StreamClient client = new StreamClient(ch, o, 16, true);
                Recorder tokens = new Recorder();
                tokens.subscription = client.generate(
                        StreamRequest.newBuilder().setStreamId(1).build(), null, tokens);
                Recorder tensors = new Recorder();
                tensors.subscription =
                        client.tensors(StreamRequest.newBuilder().setStreamId(2).build(), null, tensors);
                assertEquals(Status.Code.OK, tokens.await().getCode());
                assertEquals(Status.Code.OK, tensors.await().getCode());
                assertEquals(steps, tokens.steps);
                for (int i = 0; i < rows.size(); i++) {
                    assertArrayEquals(rows.get(i), tensors.rows.get(i));
                }
                System.out.printf(
                        "netty %s: 500 token steps %d B of frames, 200 x 384 rows %d B of frames%n",
                        enc, tokens.subscription.bytesReceived(), tensors.subscription.bytesReceived());
            }
            List<String> seen = new ArrayList<>(spy.encodings);
            assertEquals(List.of("identity", "identity", "lz4", "lz4", "gzip", "gzip"), seen);
        } finally {
            channel.shutdownNow();
            server.shutdownNow().awaitTermination();
            service.close();
        }
    }

    @Test
    void lz4CompressesLargeHeadersOnlyAndTheyStillDecode() throws Exception {
        StreamService service = StreamService.builder().build();
        Server server = start(service);
        ManagedChannel channel = connect(server);
        try {
            StreamHeader header = Fixtures.header("big").toBuilder()
                    .putMetadata("system_prompt", "You are a helpful assistant. ".repeat(100))
                    .build();
            List<TokenStep> steps = Fixtures.steps(33, 100);
            TokenPublisher pub = service.openTokens(1, header);
            steps.forEach(pub::publish);
            pub.finish();
            // totals: grpc-java reports a compressed message's uncompressed size when it is parsed,
            // so per-message pairs can interleave; the sums cannot
            java.util.concurrent.atomic.AtomicLong wire = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicLong plain = new java.util.concurrent.atomic.AtomicLong();
            ClientStreamTracer.Factory tracer = new ClientStreamTracer.Factory() {
                @Override
                public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata h) {
                    return new ClientStreamTracer() {
                        @Override
                        public void inboundWireSize(long bytes) {
                            wire.addAndGet(bytes);
                        }

                        @Override
                        public void inboundUncompressedSize(long bytes) {
                            plain.addAndGet(bytes);
                        }
                    };
                }
            };
            Recorder rec = new Recorder();
            new StreamClient(
                            channel,
                            CallOptions.DEFAULT.withCompression(Lz4Codec.NAME).withStreamTracerFactory(tracer),
                            16,
                            true)
                    .generate(StreamRequest.newBuilder().setStreamId(1).build(), null, rec);
            assertEquals(Status.Code.OK, rec.await().getCode());
            assertEquals(steps, rec.steps);
            assertEquals(
                    header.getMetadataOrThrow("system_prompt"),
                    rec.headers.getFirst().getMetadataOrThrow("system_prompt"));
            System.out.printf(
                    "lz4: %d B of frames (one HEADER of 3 KB metadata, 100 steps, END) -> %d B on the wire%n",
                    plain.get(), wire.get());
            // bytesReceived counts each frame with its varint length prefix (1 or 2 B here)
            long frames = rec.subscription.framesReceived();
            long bytes = rec.subscription.bytesReceived();
            assertTrue(bytes >= plain.get() + frames && bytes <= plain.get() + 2 * frames, bytes + " vs " + plain);
            // the HEADER (over 3000 B of repetitive text) shrank; nothing else can account for this much
            assertTrue(wire.get() < plain.get() - 2500, wire.get() + " of " + plain.get());
        } finally {
            channel.shutdownNow();
            server.shutdownNow().awaitTermination();
            service.close();
        }
    }

    @Test
    void clientChannelKilledMidStreamResumesOnANewChannel() throws Exception {
        Random r = new Random(SEED + 7);
        StreamService service = StreamService.builder().build();
        Server server = start(service);
        List<float[]> rows = Fixtures.rows(SEED, 400, 128);
        TensorPublisher pub = service.openTensors(6, Fixtures.header("kill"), 128);
        List<float[]> got = new ArrayList<>();
        List<Long> kills = new ArrayList<>();
        long last = -1;
        try {
            for (int calls = 0; ; calls++) {
                assertTrue(calls < 50);
                ManagedChannel channel = connect(server);
                long cut = last + 1 + r.nextInt(150);
                Recorder rec = new Recorder();
                rec.cancelAfter = i -> {
                    if (i == cut) {
                        channel.shutdownNow();
                    }
                    return false;
                };
                StreamRequest.Builder req = StreamRequest.newBuilder().setStreamId(6);
                if (last >= 0) {
                    req.setResumeAfter(last);
                }
                rec.subscription = new StreamClient(channel).tensors(req.build(), null, rec);
                if (calls == 0) {
                    rows.forEach(pub::publish); // published while the first call reads
                    pub.finish();
                }
                Status s = rec.await();
                channel.shutdownNow();
                got.addAll(rec.rows);
                if (s.isOk()) {
                    break;
                }
                kills.add(cut);
                if (rec.subscription.lastIndex() >= 0) {
                    last = rec.subscription.lastIndex();
                }
            }
            System.out.println("client channel killed after rows " + kills);
            assertEquals(rows.size(), got.size());
            for (int i = 0; i < rows.size(); i++) {
                assertArrayEquals(rows.get(i), got.get(i), "row " + i);
            }
            // the server freed every cut call
            for (int i = 0; i < 6000 && service.liveCalls() != 0; i++) {
                Thread.sleep(5);
            }
            assertEquals(0, service.liveCalls());
        } finally {
            server.shutdownNow().awaitTermination();
            service.close();
        }
    }

    @Test
    void serverDroppedMidStreamResumesOnARestartedServer() throws Exception {
        Random r = new Random(SEED);
        System.out.println("NettyLoopbackTest seed " + SEED);
        StreamService service = StreamService.builder().build();
        List<TokenStep> steps = Fixtures.steps(SEED, 600);
        TokenPublisher pub = service.openTokens(5, Fixtures.header("drop"));
        steps.forEach(pub::publish);
        pub.finish();
        List<TokenStep> got = new ArrayList<>();
        List<Long> drops = new ArrayList<>();
        long last = -1;
        int calls = 0;
        try {
            while (true) {
                Server server = start(service);
                ManagedChannel channel = connect(server);
                long cut = last + 1 + r.nextInt(200);
                Recorder rec = new Recorder();
                rec.cancelAfter = i -> {
                    if (i == cut) {
                        server.shutdownNow();
                    }
                    return false;
                };
                StreamRequest.Builder req = StreamRequest.newBuilder().setStreamId(5);
                if (last >= 0) {
                    req.setResumeAfter(last);
                }
                rec.subscription = new StreamClient(channel).generate(req.build(), null, rec);
                Status s = rec.await();
                calls++;
                channel.shutdownNow();
                server.shutdownNow().awaitTermination();
                got.addAll(rec.steps);
                if (s.isOk()) {
                    break;
                }
                drops.add(cut);
                assertTrue(
                        s.getCode() == Status.Code.UNAVAILABLE || s.getCode() == Status.Code.CANCELLED, s.toString());
                if (rec.subscription.lastIndex() >= 0) {
                    last = rec.subscription.lastIndex();
                }
                assertTrue(calls < 50);
            }
            System.out.println("server dropped after items " + drops + "; " + calls + " calls");
            assertEquals(steps, got);
        } finally {
            service.close();
        }
    }
}
