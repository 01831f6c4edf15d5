package io.inferwire.transport.load;

import com.sun.net.httpserver.HttpServer;
import io.grpc.CallOptions;
import io.grpc.ClientStreamTracer;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.proto.v1.StreamRequest;
import io.inferwire.tokens.TokenStep;
import io.inferwire.tokens.TopLogprob;
import io.inferwire.transport.Lz4Codec;
import io.inferwire.transport.StreamClient;
import io.inferwire.transport.StreamListener;
import io.inferwire.transport.StreamService;
import io.inferwire.transport.TokenPublisher;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Loopback load test: {@code --streams} concurrent token streams, steps published at
 * {@code --rate} steps/s in all (round robin over the streams), each stream
 * {@code --steps} long; per-step latency from publish to the decoded step in the
 * client's listener (HdrHistogram, same JVM clock), and bytes on the wire. Once through
 * inferwire's gRPC service (Netty, HTTP/2, one connection) and once as OpenAI JSON SSE
 * chunks over HTTP/1.1 with one gzip context per response flushed after every event (the
 * JDK's HttpServer; no HTTP/2 SSE server ships with the JDK). Bounded in count and time:
 * it stops after the steps or {@code --max-seconds}, whichever comes first (per round;
 * one warm-up round of each runs first and is discarded).
 *
 * <pre>
 * java -cp target/classes:$(cat target/classpath.txt) --enable-native-access=ALL-UNNAMED \
 *   --add-modules=jdk.incubator.vector io.inferwire.transport.load.LoadTest \
 *   [--streams 64] [--steps 200] [--rate 1000] [--top 0] [--max-seconds 120] [--compression none|lz4|gzip]
 *   [--direct]   (the service encodes on the publishing thread: StreamService.Builder.executor(Runnable::run))
 * </pre>
 */
public final class LoadTest {

    private static final String[] WORDS = {
        " the",
        " model",
        " streams",
        " tokens",
        " over",
        " gRPC",
        ",",
        " and",
        " é",
        "日本",
        " résumé",
        ".",
        "\n",
        " frames",
        " of",
        " a",
        " few",
        " bytes",
        " Parliament",
        " Commission",
        " report",
        " vote",
        " on"
    };

    private final int streams;
    private final int steps;
    private final int rate;
    private final int top;
    private final long maxNanos;
    private final String compression;
    private final boolean direct;
    private final List<List<TokenStep>> data = new ArrayList<>();

    private LoadTest(int streams, int steps, int rate, int top, int maxSeconds, String compression, boolean direct) {
        this.direct = direct;
        this.streams = streams;
        this.steps = steps;
        this.rate = rate;
        this.top = top;
        this.maxNanos = TimeUnit.SECONDS.toNanos(maxSeconds);
        this.compression = compression;
        Random r = new Random(42);
        for (int s = 0; s < streams; s++) {
            List<TokenStep> list = new ArrayList<>();
            for (int i = 0; i < steps; i++) {
                int id = r.nextInt(200_000);
                List<TopLogprob> tops = new ArrayList<>();
                float lp = -r.nextFloat();
                for (int k = 0; k < top; k++) {
                    tops.add(new TopLogprob(k == 0 ? id : r.nextInt(200_000), lp));
                    lp -= r.nextFloat() * 2;
                }
                list.add(new TokenStep(
                        new int[] {id},
                        top > 0 ? new float[] {tops.get(0).logprob()} : null,
                        WORDS[r.nextInt(WORDS.length)].getBytes(StandardCharsets.UTF_8),
                        tops,
                        i == steps - 1 ? "stop" : null,
                        null,
                        null));
            }
            data.add(list);
        }
    }

    public static void main(String[] args) throws Exception {
        int streams = 64;
        int steps = 200;
        int rate = 1000;
        int top = 0;
        int maxSeconds = 120;
        String compression = "none";
        boolean direct = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--streams" -> streams = Integer.parseInt(args[++i]);
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--rate" -> rate = Integer.parseInt(args[++i]);
                case "--top" -> top = Integer.parseInt(args[++i]);
                case "--max-seconds" -> maxSeconds = Integer.parseInt(args[++i]);
                case "--compression" -> compression = args[++i];
                case "--direct" -> direct = true;
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        LoadTest t = new LoadTest(streams, steps, rate, top, maxSeconds, compression, direct);
        System.out.printf(
                "%d concurrent token streams x %d steps, %d steps/s in all (%.1f streams/s), top-%d logprobs,"
                        + " first 10%% of each stream not timed (warm-up)%n",
                streams, steps, rate, rate / (double) steps, top);
        // One round of each first, discarded: class loading, JIT, the token models' first use.
        t.runGrpc();
        t.runSse();
        Result grpc = t.runGrpc();
        Result sse = t.runSse();
        grpc.print("inferwire gRPC (" + compression + (direct ? ", direct" : "") + ")");
        sse.print("JSON SSE + gzip stream");
    }

    private record Result(Histogram latency, long wireBytes, long steps, long received, double seconds) {
        void print(String name) {
            System.out.printf(
                    "%-28s steps %d/%d in %.1f s: latency p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms;"
                            + " wire %d B = %.2f B/step%n",
                    name,
                    received,
                    steps,
                    seconds,
                    latency.getValueAtPercentile(50) / 1e6,
                    latency.getValueAtPercentile(99) / 1e6,
                    latency.getValueAtPercentile(99.9) / 1e6,
                    latency.getMaxValue() / 1e6,
                    wireBytes,
                    wireBytes / (double) Math.max(1, received));
        }
    }

    /** Publishes step (stream, index) pairs round robin at the rate, stamping each. */
    private interface Publish {
        void publish(int stream, int index);
    }

    private double pace(long[][] stamps, Publish publish, CountDownLatch done) throws InterruptedException {
        long start = System.nanoTime();
        long interval = 1_000_000_000L / rate;
        long next = start;
        outer:
        for (int i = 0; i < steps; i++) {
            for (int s = 0; s < streams; s++) {
                next += interval;
                long now;
                while ((now = System.nanoTime()) < next) {
                    LockSupport.parkNanos(next - now);
                }
                if (now - start > maxNanos) {
                    System.out.println("time limit reached; stopping");
                    break outer;
                }
                stamps[s][i] = System.nanoTime();
                publish.publish(s, i);
            }
        }
        long left = maxNanos - (System.nanoTime() - start);
        done.await(Math.max(1, left), TimeUnit.NANOSECONDS);
        return (System.nanoTime() - start) / 1e9;
    }

    private Result runGrpc() throws Exception {
        StreamService.Builder sb = StreamService.builder();
        if (direct) {
            sb.executor(Runnable::run);
        }
        StreamService service = sb.build();
        Server server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .addService(service)
                .compressorRegistry(Lz4Codec.compressorRegistry())
                .decompressorRegistry(Lz4Codec.decompressorRegistry())
                .build()
                .start();
        ManagedChannel channel = Grpc.newChannelBuilderForAddress(
                        "127.0.0.1", server.getPort(), InsecureChannelCredentials.create())
                .directExecutor()
                .compressorRegistry(Lz4Codec.compressorRegistry())
                .decompressorRegistry(Lz4Codec.decompressorRegistry())
                .build();
        AtomicLong wire = new AtomicLong();
        ClientStreamTracer.Factory tracer = new ClientStreamTracer.Factory() {
            @Override
            public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
                return new ClientStreamTracer() {
                    @Override
                    public void inboundWireSize(long bytes) {
                        wire.addAndGet(bytes + 5); // + gRPC's 5-byte message prefix
                    }
                };
            }
        };
        CallOptions options = CallOptions.DEFAULT.withStreamTracerFactory(tracer);
        if (!compression.equals("none")) {
            options = options.withCompression(compression);
        }
        StreamClient client = new StreamClient(channel, options, 64, true);
        long[][] stamps = new long[streams][steps];
        Recorder latency = new Recorder(3);
        AtomicLong received = new AtomicLong();
        CountDownLatch done = new CountDownLatch(streams);
        CountDownLatch started = new CountDownLatch(streams);
        List<TokenPublisher> pubs = new ArrayList<>();
        int warm = steps / 10;
        try {
            for (int s = 0; s < streams; s++) {
                pubs.add(service.openTokens(
                        s, StreamHeader.newBuilder().setModel("load").build()));
                int stream = s;
                client.generate(StreamRequest.newBuilder().setStreamId(s).build(), null, new StreamListener() {
                    @Override
                    public void onHeader(StreamHeader header, long first) {
                        started.countDown();
                    }

                    @Override
                    public void onStep(long index, TokenStep step) {
                        long t = System.nanoTime() - stamps[stream][(int) index];
                        if (index >= warm) {
                            latency.recordValue(t);
                        }
                        received.incrementAndGet();
                    }

                    @Override
                    public void onClose(Status status) {
                        if (!status.isOk()) {
                            System.err.println("stream " + stream + ": " + status);
                        }
                        done.countDown();
                    }
                });
            }
            // Call set-up is not timed (for SSE neither): each call's HEADER primes the token
            // models from their prior on both sides, about 1 ms of CPU each.
            started.await(60, TimeUnit.SECONDS);
            double seconds = pace(
                    stamps,
                    (s, i) -> {
                        pubs.get(s).publish(data.get(s).get(i));
                        if (i == steps - 1) {
                            pubs.get(s).finish();
                        }
                    },
                    done);
            return new Result(
                    latency.getIntervalHistogram(), wire.get(), (long) streams * steps, received.get(), seconds);
        } finally {
            channel.shutdownNow();
            server.shutdownNow().awaitTermination();
            service.close();
        }
    }

    private static String json(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    private String chunk(int stream, TokenStep step) {
        StringBuilder lp = new StringBuilder("null");
        if (!step.topLogprobs().isEmpty()) {
            lp.setLength(0);
            lp.append("{\"content\":[{\"token\":\"")
                    .append(json(step.textString()))
                    .append("\",\"logprob\":")
                    .append(step.logprobs()[0])
                    .append(",\"top_logprobs\":[");
            for (int k = 0; k < step.topLogprobs().size(); k++) {
                if (k > 0) {
                    lp.append(',');
                }
                lp.append("{\"token\":\"t")
                        .append(step.topLogprobs().get(k).tokenId())
                        .append("\",\"logprob\":")
                        .append(step.topLogprobs().get(k).logprob())
                        .append('}');
            }
            lp.append("]}]}");
        }
        return "{\"id\":\"chatcmpl-load-" + stream
                + "\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,\"model\":\"load\","
                + "\"system_fingerprint\":null,\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
                + json(step.textString()) + "\"},\"logprobs\":" + lp + ",\"finish_reason\":"
                + (step.finishReason() == null ? "null" : "\"" + step.finishReason() + "\"") + "}]}";
    }

    private Result runSse() throws Exception {
        List<BlockingQueue<String>> queues = new ArrayList<>();
        for (int s = 0; s < streams; s++) {
            queues.add(new LinkedBlockingQueue<>());
        }
        CountDownLatch connected = new CountDownLatch(streams);
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
        ExecutorService serverThreads = Executors.newVirtualThreadPerTaskExecutor();
        http.setExecutor(serverThreads);
        http.createContext("/stream/", ex -> {
            int s = Integer.parseInt(ex.getRequestURI().getPath().substring("/stream/".length()));
            connected.countDown();
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.getResponseHeaders().add("Content-Encoding", "gzip");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream raw = ex.getResponseBody();
                    GZIPOutputStream gz = new GZIPOutputStream(raw, 8192, true)) {
                gz.flush();
                while (true) {
                    String event = queues.get(s).take();
                    gz.write(("data: " + event + "\n\n").getBytes(StandardCharsets.UTF_8));
                    gz.flush();
                    if (event.equals("[DONE]")) {
                        break;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        http.start();
        int port = http.getAddress().getPort();
        long[][] stamps = new long[streams][steps];
        Recorder latency = new Recorder(3);
        AtomicLong received = new AtomicLong();
        AtomicLongArray wire = new AtomicLongArray(streams);
        CountDownLatch done = new CountDownLatch(streams);
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
        int warm = steps / 10;
        try {
            for (int s = 0; s < streams; s++) {
                int stream = s;
                clients.execute(() -> {
                    try {
                        HttpURLConnection c =
                                (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/stream/" + stream)
                                        .toURL()
                                        .openConnection();
                        c.setRequestProperty("Accept-Encoding", "gzip");
                        InputStream counted = new FilterInputStream(c.getInputStream()) {
                            @Override
                            public int read() throws IOException {
                                int b = super.read();
                                if (b >= 0) {
                                    wire.addAndGet(stream, 1);
                                }
                                return b;
                            }

                            @Override
                            public int read(byte[] b, int off, int len) throws IOException {
                                int n = super.read(b, off, len);
                                if (n > 0) {
                                    wire.addAndGet(stream, n);
                                }
                                return n;
                            }
                        };
                        // Events are split by hand: an InputStreamReader over a GZIPInputStream waits
                        // for a full buffer (InflaterInputStream.available() is 1 until the end).
                        InputStream in = new GZIPInputStream(counted, 512);
                        byte[] buf = new byte[1 << 16];
                        int len = 0;
                        int index = 0;
                        boolean end = false;
                        while (!end) {
                            int n = in.read(buf, len, buf.length - len);
                            if (n < 0) {
                                break;
                            }
                            len += n;
                            int from = 0;
                            for (int k = 0; k + 1 < len; k++) {
                                if (buf[k] == '\n' && buf[k + 1] == '\n') {
                                    String event = new String(buf, from, k - from, StandardCharsets.UTF_8);
                                    from = k + 2;
                                    if (event.equals("data: [DONE]")) {
                                        end = true;
                                        break;
                                    }
                                    long t = System.nanoTime() - stamps[stream][index];
                                    if (index >= warm) {
                                        latency.recordValue(t);
                                    }
                                    index++;
                                    received.incrementAndGet();
                                }
                            }
                            System.arraycopy(buf, from, buf, 0, len - from);
                            len -= from;
                        }
                    } catch (IOException e) {
                        System.err.println("SSE stream " + stream + ": " + e);
                    } finally {
                        done.countDown();
                    }
                });
            }
            connected.await(60, TimeUnit.SECONDS);
            double seconds = pace(
                    stamps,
                    (s, i) -> {
                        queues.get(s).add(chunk(s, data.get(s).get(i)));
                        if (i == steps - 1) {
                            queues.get(s).add("[DONE]");
                        }
                    },
                    done);
            long bytes = 0;
            for (int s = 0; s < streams; s++) {
                bytes += wire.get(s);
            }
            return new Result(latency.getIntervalHistogram(), bytes, (long) streams * steps, received.get(), seconds);
        } finally {
            http.stop(0);
            clients.shutdownNow();
            serverThreads.shutdownNow();
        }
    }
}
