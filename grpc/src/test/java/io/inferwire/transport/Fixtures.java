package io.inferwire.transport;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.tokens.Revision;
import io.inferwire.tokens.TokenStep;
import io.inferwire.tokens.TopLogprob;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** An in-process server around a StreamService, and seeded test data. */
final class Fixtures implements AutoCloseable {

    private static final String[] WORDS = {
        "the",
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
        " bytes"
    };

    final StreamService service;
    final Server server;
    final ManagedChannel channel;
    private final String name;

    Fixtures(StreamService service) throws Exception {
        this.service = service;
        this.name = InProcessServerBuilder.generateName();
        this.server = InProcessServerBuilder.forName(name)
                .addService(service)
                .compressorRegistry(Lz4Codec.compressorRegistry())
                .decompressorRegistry(Lz4Codec.decompressorRegistry())
                .build()
                .start();
        this.channel = InProcessChannelBuilder.forName(name)
                .compressorRegistry(Lz4Codec.compressorRegistry())
                .decompressorRegistry(Lz4Codec.decompressorRegistry())
                .build();
    }

    Fixtures() throws Exception {
        this(StreamService.builder().build());
    }

    static StreamHeader header(String id) {
        return StreamHeader.newBuilder().setRequestId(id).setModel("test-model").build();
    }

    /** Steps with ids, logprobs, 20 top-k pairs, now and then a revision, and a finish reason at the end. */
    static List<TokenStep> steps(long seed, int n) {
        Random r = new Random(seed);
        List<TokenStep> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int id = r.nextInt(50_000);
            List<TopLogprob> top = new ArrayList<>();
            float lp = -r.nextFloat() * 0.5f;
            for (int k = 0; k < 20; k++) {
                top.add(new TopLogprob(k == 0 ? id : r.nextInt(50_000), lp));
                lp -= r.nextFloat() * 2;
            }
            Revision rev = i > 10 && r.nextInt(50) == 0 ? Revision.of(3, "x") : null;
            String text = WORDS[r.nextInt(WORDS.length)];
            out.add(new TokenStep(
                    new int[] {id},
                    new float[] {top.get(0).logprob()},
                    text.getBytes(StandardCharsets.UTF_8),
                    top,
                    i == n - 1 ? "stop" : null,
                    rev,
                    null));
        }
        return out;
    }

    /** Correlated rows: a random walk of {@code dim} values. */
    static List<float[]> rows(long seed, int n, int dim) {
        Random r = new Random(seed);
        float[] x = new float[dim];
        for (int j = 0; j < dim; j++) {
            x[j] = (float) r.nextGaussian() * 0.1f;
        }
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dim; j++) {
                x[j] += (float) r.nextGaussian() * 0.002f;
            }
            out.add(x.clone());
        }
        return out;
    }

    String serverName() {
        return name;
    }

    StreamClient client() {
        return new StreamClient(channel);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        server.shutdownNow();
        try {
            server.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        service.close();
    }
}
