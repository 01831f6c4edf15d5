package io.inferwire.transport.cli;

import io.grpc.CallOptions;
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
import io.inferwire.transport.Lz4Codec;
import io.inferwire.transport.StreamClient;
import io.inferwire.transport.StreamListener;
import io.inferwire.transport.StreamService;
import io.inferwire.transport.TensorPublisher;
import io.inferwire.transport.TokenPublisher;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * {@code serve} and {@code client} over loopback gRPC.
 *
 * <pre>
 * serve --port P (--sse FILE | --embeddings FILE --shape D) [--stream ID] [--rate ITEMS_PER_S] [--repeat N]
 * client --port P --out FILE [--stream ID] [--tensors] [--profile NAME] [--resume ID:LAST] [--compression lz4|gzip]
 * </pre>
 *
 * <p>{@code serve --sse} reads OpenAI {@code chat.completion.chunk} lines (JSON, or SSE
 * {@code data:} lines) and publishes one step per chunk: the {@code delta.content} text
 * and the finish reason. {@code client} writes OpenAI-shaped JSONL (one chunk per step,
 * carrying what the profile sends: content, finish reason, token ids and logprobs when
 * present) or float32 little-endian rows, then one line: items, bytes received, and the
 * p50/p99 of the time between frames (the server paces at {@code --rate}).
 * Exit status: 0, 1 on failure (with one line on standard error), 2 on a usage error.
 */
public final class GrpcCli {

    private GrpcCli() {}

    public static void main(String[] args) {
        try {
            if (args.length == 0) {
                throw new UsageException("usage: serve ... | client ... (see the class comment)");
            }
            Map<String, String> o = options(args);
            switch (args[0]) {
                case "serve" -> serve(o);
                case "client" -> System.exit(client(o));
                default -> throw new UsageException("unknown command " + args[0]);
            }
        } catch (UsageException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            System.err.println("inferwire-grpc: " + e);
            System.exit(1);
        }
    }

    private static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String m) {
            super(m);
        }
    }

    private static Map<String, String> options(String[] args) throws UsageException {
        Map<String, String> o = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new UsageException("unexpected argument " + args[i]);
            }
            if (args[i].equals("--tensors")) {
                o.put("tensors", "true");
            } else if (i + 1 < args.length) {
                o.put(args[i].substring(2), args[++i]);
            } else {
                throw new UsageException(args[i] + " needs a value");
            }
        }
        return o;
    }

    private static String need(Map<String, String> o, String key) throws UsageException {
        String v = o.get(key);
        if (v == null) {
            throw new UsageException("--" + key + " is required");
        }
        return v;
    }

    private static void serve(Map<String, String> o) throws Exception {
        int port = Integer.parseInt(need(o, "port"));
        long id = Long.parseLong(o.getOrDefault("stream", "1"));
        int rate = Integer.parseInt(o.getOrDefault("rate", "1000"));
        int repeat = Integer.parseInt(o.getOrDefault("repeat", "1"));
        StreamService service = StreamService.builder().build();
        Server server = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
                .addService(service)
                .compressorRegistry(Lz4Codec.compressorRegistry())
                .decompressorRegistry(Lz4Codec.decompressorRegistry())
                .build()
                .start();
        System.out.println("serving on port " + server.getPort() + ", stream " + id);
        long interval = 1_000_000_000L / Math.max(1, rate);
        long next = System.nanoTime();
        if (o.containsKey("sse")) {
            List<TokenStep> steps = readChunks(Path.of(o.get("sse")));
            TokenPublisher pub = service.openTokens(
                    id, StreamHeader.newBuilder().setRequestId(o.get("sse")).build());
            for (int r = 0; r < repeat; r++) {
                for (TokenStep s : steps) {
                    next = pace(next, interval);
                    pub.publish(s);
                }
            }
            pub.finish();
            System.out.println("published " + pub.published() + " steps");
        } else if (o.containsKey("embeddings")) {
            int[] shape = java.util.Arrays.stream(need(o, "shape").split(","))
                    .mapToInt(Integer::parseInt)
                    .toArray();
            TensorPublisher pub = service.openTensors(
                    id,
                    StreamHeader.newBuilder().setRequestId(o.get("embeddings")).build(),
                    shape);
            try (Arena arena = Arena.ofConfined();
                    FileChannel ch = FileChannel.open(Path.of(o.get("embeddings")))) {
                MemorySegment rows = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
                long rowBytes = 4L * pub.values();
                for (int r = 0; r < repeat; r++) {
                    for (long off = 0; off + rowBytes <= rows.byteSize(); off += rowBytes) {
                        next = pace(next, interval);
                        pub.publish(rows, off);
                    }
                }
            }
            pub.finish();
            System.out.println("published " + pub.published() + " rows");
        } else {
            throw new UsageException("serve needs --sse FILE or --embeddings FILE --shape D");
        }
        System.out.println("stream complete; serving until interrupted");
        server.awaitTermination();
    }

    private static long pace(long next, long interval) {
        next += interval;
        long now;
        while ((now = System.nanoTime()) < next) {
            LockSupport.parkNanos(next - now);
        }
        return next;
    }

    /** One step per chunk line: delta.content and finish_reason. */
    static List<TokenStep> readChunks(Path file) throws IOException {
        List<TokenStep> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String json = line.startsWith("data:") ? line.substring(5).trim() : line.trim();
            if (json.isEmpty() || json.equals("[DONE]") || !json.startsWith("{")) {
                continue;
            }
            int delta = Math.max(0, json.indexOf("\"delta\":"));
            String content = MiniJson.string(json.substring(delta), "\"content\":");
            String finish = MiniJson.string(json, "\"finish_reason\":");
            out.add(TokenStep.ofText(content == null ? "" : content).withFinishReason(finish));
        }
        return out;
    }

    private static int client(Map<String, String> o) throws Exception {
        int port = Integer.parseInt(need(o, "port"));
        Path out = Path.of(need(o, "out"));
        long id = Long.parseLong(o.getOrDefault("stream", "1"));
        StreamRequest.Builder req = StreamRequest.newBuilder().setStreamId(id);
        if (o.containsKey("resume")) {
            String[] r = o.get("resume").split(":");
            if (r.length != 2) {
                throw new UsageException("--resume STREAM:LAST");
            }
            req.setStreamId(Long.parseLong(r[0])).setResumeAfter(Long.parseLong(r[1]));
        }
        Metadata headers = new Metadata();
        if (o.containsKey("profile")) {
            headers.put(StreamService.ACCEPT_PROFILE, o.get("profile"));
        }
        boolean tensors = o.containsKey("tensors");
        ManagedChannel channel = Grpc.newChannelBuilderForAddress(
                        "127.0.0.1", port, InsecureChannelCredentials.create())
                .compressorRegistry(Lz4Codec.compressorRegistry())
                .decompressorRegistry(Lz4Codec.decompressorRegistry())
                .build();
        CallOptions options = CallOptions.DEFAULT;
        if (o.containsKey("compression")) {
            options = options.withCompression(o.get("compression"));
        }
        Histogram gaps = new Histogram(3);
        CompletableFuture<Status> closed = new CompletableFuture<>();
        long[] count = new long[1];
        try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(
                out, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE))) {
            StreamListener listener = new StreamListener() {
                long last = System.nanoTime();
                byte[] row = new byte[0];

                private void tick() {
                    long now = System.nanoTime();
                    gaps.recordValue(now - last);
                    last = now;
                    count[0]++;
                }

                @Override
                public void onStep(long index, TokenStep step) {
                    tick();
                    try {
                        file.write(chunkJson(step).getBytes(StandardCharsets.UTF_8));
                        file.write('\n');
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }

                @Override
                public void onRow(long index, MemorySegment values, int n) {
                    tick();
                    if (row.length != 4 * n) {
                        row = new byte[4 * n];
                    }
                    MemorySegment.copy(values, 0, MemorySegment.ofArray(row), 0, 4L * n);
                    try {
                        file.write(row);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }

                @Override
                public void onClose(Status status) {
                    closed.complete(status);
                }
            };
            StreamClient client = new StreamClient(channel, options, 64, true);
            var sub = tensors
                    ? client.tensors(req.build(), headers, listener)
                    : client.generate(req.build(), headers, listener);
            Status s = closed.get(1, TimeUnit.HOURS);
            System.out.printf(
                    "%d %s, %d B of frames received, time between frames p50 %.3f ms p99 %.3f ms, last index %d, %s%n",
                    count[0],
                    tensors ? "rows" : "steps",
                    sub.bytesReceived(),
                    gaps.getValueAtPercentile(50) / 1e6,
                    gaps.getValueAtPercentile(99) / 1e6,
                    sub.lastIndex(),
                    s.getCode());
            if (!s.isOk()) {
                System.err.println("inferwire-grpc: " + s + " (resume with --resume " + req.getStreamId() + ":"
                        + sub.lastIndex() + ")");
                return 1;
            }
            return 0;
        } finally {
            channel.shutdownNow();
        }
    }

    static String chunkJson(TokenStep step) {
        StringBuilder b =
                new StringBuilder("{\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{");
        b.append("\"content\":");
        MiniJson.quote(b, step.textString());
        b.append("},\"logprobs\":");
        if (step.logprobs().length == 0 && step.topLogprobs().isEmpty()) {
            b.append("null");
        } else {
            b.append("{\"content\":[{\"token\":");
            MiniJson.quote(b, step.textString());
            b.append(",\"logprob\":").append(step.logprobs().length > 0 ? step.logprobs()[0] : 0f);
            b.append(",\"top_logprobs\":[");
            for (int k = 0; k < step.topLogprobs().size(); k++) {
                b.append(k > 0 ? "," : "")
                        .append("{\"token_id\":")
                        .append(step.topLogprobs().get(k).tokenId())
                        .append(",\"logprob\":")
                        .append(step.topLogprobs().get(k).logprob())
                        .append('}');
            }
            b.append("]}]}");
        }
        b.append(",\"finish_reason\":");
        if (step.finishReason() == null) {
            b.append("null");
        } else {
            MiniJson.quote(b, step.finishReason());
        }
        return b.append("}]}").toString();
    }
}
