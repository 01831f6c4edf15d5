package io.inferwire.fuzz;

import io.inferwire.lz4.BlockSize;
import io.inferwire.lz4.Lz4FrameWriter;
import io.inferwire.proto.v1.Frame;
import io.inferwire.proto.v1.FrameKind;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.sse.SseEncoder;
import io.inferwire.tokens.Revision;
import io.inferwire.tokens.TokenEncoder;
import io.inferwire.tokens.TokenStep;
import io.inferwire.tokens.TopLogprob;
import io.inferwire.transform.TensorCodec;
import io.inferwire.transform.TensorEncoder;
import io.inferwire.wire.FrameEncoder;
import io.inferwire.wire.FrameStreamWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes the seed corpus of {@link DecoderFuzzTest}: small valid streams from the
 * library's own encoders (and a few of their frames), one directory per fuzz target.
 * The files are committed; rewrite them after a format change with
 * {@code bin/mvn -B -o test -Dtest=FuzzCorpus -Dinferwire.fuzz.corpus=write}.
 */
class FuzzCorpus {

    static final Path DIR = Path.of("src/test/resources/io/inferwire/fuzz/DecoderFuzzTestInputs");

    /** Tensor streams: {lossless, bounded} x {FAST, DENSE}, drifting rows of 24 values. */
    static byte[] tensors(double bound, TensorCodec.Packing packing, boolean checksums, int frames) {
        TensorCodec.Builder b = TensorCodec.builder()
                .shape(24)
                .packing(packing)
                .keyInterval(5)
                .checksums(checksums)
                .streamId(3);
        TensorCodec codec = (bound == 0 ? b.lossless() : b.errorBound(bound)).build();
        SplittableRandom r = new SplittableRandom(42);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Arena arena = Arena.ofConfined()) {
            TensorEncoder enc = codec.newEncoder(arena);
            enc.header(StreamHeader.newBuilder().setModel("fuzz").build());
            add(out, enc.buffer(), enc.frameOffset(), enc.frameLength());
            MemorySegment row = arena.allocate(4L * 24);
            float[] x = new float[24];
            for (int i = 0; i < 24; i++) {
                x[i] = (float) r.nextGaussian();
            }
            for (int f = 0; f < frames; f++) {
                for (int i = 0; i < 24; i++) {
                    x[i] += (float) (0.01 * r.nextGaussian());
                    row.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, i == 7 && f == 2 ? Float.NaN : x[i]);
                }
                int len = enc.encode(row, 0);
                add(out, enc.buffer(), enc.frameOffset(), len);
            }
            int len = enc.end();
            add(out, enc.buffer(), enc.frameOffset(), len);
        }
        return out.toByteArray();
    }

    /** A token stream of {@code steps} steps (compact frames, a sync and a chain checkpoint every 8). */
    static byte[] tokens(int steps, boolean logprobs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Arena arena = Arena.ofConfined()) {
            TokenEncoder enc = TokenEncoder.builder()
                    .streamId(5)
                    .syncInterval(6)
                    .checkpointInterval(8)
                    .errorBound(logprobs ? 1e-3 : 0)
                    .build(arena);
            enc.start(StreamHeader.newBuilder().setRequestId("r").setModel("m").build());
            add(out, enc.buffer(), enc.frameOffset(), enc.frameLength());
            String[] words = {" the", " cat", " sat", " on", " a", " mat", ".", "\n", " Ünïcode", " 🙂"};
            for (int i = 0; i < steps; i++) {
                byte[] text = words[i % words.length].getBytes(StandardCharsets.UTF_8);
                TokenStep s = logprobs
                        ? new TokenStep(
                                new int[] {100 + i},
                                new float[] {-0.25f * (i % 5)},
                                text,
                                List.of(new TopLogprob(100 + i, -0.25f * (i % 5)), new TopLogprob(7, -3.5f)),
                                i == steps - 1 ? "stop" : null,
                                i == 3 ? new Revision(1, " dog".getBytes(StandardCharsets.UTF_8)) : null,
                                null)
                        : new TokenStep(new int[] {100 + i}, null, text, null, null, null, null);
                enc.encode(s);
                add(out, enc.buffer(), enc.frameOffset(), enc.frameLength());
            }
            enc.end();
            add(out, enc.buffer(), enc.frameOffset(), enc.frameLength());
        }
        return out.toByteArray();
    }

    /** The frames of {@code stream} re-encoded by protobuf without their checksums (so mutated payloads reach the decoders). */
    static byte[] withoutChecksums(byte[] stream) throws IOException {
        InputStream in = new ByteArrayInputStream(stream);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Frame f;
        while ((f = Frame.parseDelimitedFrom(in)) != null) {
            (f.hasChecksum() ? f.toBuilder().clearChecksum().build() : f).writeDelimitedTo(out);
        }
        return out.toByteArray();
    }

    /** The messages of {@code stream} without their length prefixes. */
    static List<byte[]> messages(byte[] stream) throws IOException {
        InputStream in = new ByteArrayInputStream(stream);
        List<byte[]> list = new ArrayList<>();
        Frame f;
        while ((f = Frame.parseDelimitedFrom(in)) != null) {
            list.add(f.toByteArray());
        }
        return list;
    }

    static byte[] framed(FrameEncoder.Compression compression) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (Arena arena = Arena.ofConfined()) {
            FrameStreamWriter w = new FrameStreamWriter(Channels.newChannel(bos), arena, 9, 1024, compression);
            w.writeHeader(StreamHeader.newBuilder().setModel("fuzz").build());
            MemorySegment buf = arena.allocate(1024);
            for (int i = 0; i < 256; i++) {
                buf.set(ValueLayout.JAVA_BYTE, i, (byte) (i % 7 == 0 ? i : 0));
            }
            w.write(FrameKind.FRAME_KIND_KEY, 0, new int[] {64}, buf, 0, 256);
            w.write(FrameKind.FRAME_KIND_DELTA, 1e-4, new int[] {2, 8}, buf, 0, 64);
            w.write(FrameKind.FRAME_KIND_TOKENS, 0, new int[0], buf, 0, 5);
            w.write(FrameKind.FRAME_KIND_TOKENS, 0, new int[0], buf, 0, 0);
            w.end();
        }
        return bos.toByteArray();
    }

    static byte[] sse(String resource) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Arena arena = Arena.ofConfined();
                InputStream in = FuzzCorpus.class.getResourceAsStream("/sse/" + resource)) {
            SseEncoder enc = SseEncoder.builder().checkpointInterval(4).build(arena, out);
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n", -1)) {
                enc.line(line);
            }
            enc.finish();
        }
        return out.toByteArray();
    }

    static byte[] lz4(BlockSize size, boolean blockChecksum, boolean contentChecksum, boolean contentSize)
            throws IOException {
        byte[] text = ("inferwire fuzz corpus: the same words again and again, the same words. ".repeat(12)
                        + "0123456789abcdef")
                .getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        Lz4FrameWriter.compress(
                MemorySegment.ofArray(text),
                Channels.newChannel(bos),
                Lz4FrameWriter.Options.defaults()
                        .withBlockSize(size)
                        .withBlockChecksum(blockChecksum)
                        .withContentChecksum(contentChecksum)
                        .withContentSize(contentSize));
        return bos.toByteArray();
    }

    private static void add(ByteArrayOutputStream out, MemorySegment s, long off, long len) {
        out.writeBytes(s.asSlice(off, len).toArray(ValueLayout.JAVA_BYTE));
    }

    private static void write(String target, String name, byte[] bytes) throws IOException {
        if (bytes.length > 4096) {
            throw new IllegalStateException(target + "/" + name + " is " + bytes.length + " bytes, over -max_len");
        }
        Path dir = DIR.resolve(target);
        Files.createDirectories(dir);
        Files.write(dir.resolve(name), bytes);
    }

    @Test
    @EnabledIfSystemProperty(named = "inferwire.fuzz.corpus", matches = "write")
    void write() throws IOException {
        byte[] raw = framed(FrameEncoder.Compression.NONE);
        byte[] lz4 = framed(FrameEncoder.Compression.LZ4);
        byte[] tokens = tokens(20, false);
        byte[] tokensLp = tokens(12, true);
        write("frameStreamReader", "raw", raw);
        write("frameStreamReader", "lz4", lz4);
        write("frameStreamReader", "tokens", tokens);
        write("frameStreamReader", "tensor-dense", tensors(1e-3, TensorCodec.Packing.DENSE, true, 6));
        List<byte[]> frames = new ArrayList<>(messages(lz4));
        frames.addAll(messages(tokensLp).subList(0, 3));
        for (int i = 0; i < frames.size(); i++) {
            write("frameView", "frame-" + i, frames.get(i));
        }
        write("lz4FrameReader", "default", lz4(BlockSize.MB4, false, true, true));
        write("lz4FrameReader", "block-checksums", lz4(BlockSize.KB64, true, false, false));
        write("lz4FrameReader", "plain", lz4(BlockSize.KB256, false, false, false));
        for (TensorCodec.Packing p : TensorCodec.Packing.values()) {
            String name = p.name().toLowerCase(java.util.Locale.ROOT);
            write("tensorDecoder", "lossless-" + name, tensors(0, p, false, 8));
            write("tensorDecoder", "bounded-" + name, tensors(1e-3, p, false, 12));
        }
        write("tensorDecoder", "bounded-fast-checksums", tensors(1e-3, TensorCodec.Packing.FAST, true, 6));
        write("tokenDecoder", "plain", withoutChecksums(tokens));
        write("tokenDecoder", "logprobs", withoutChecksums(tokensLp));
        write("tokenDecoder", "checksums", tokens(6, false));
        write("sseDecoder", "openai", sse("openai-small.sse"));
        write("sseDecoder", "openai-tools-logprobs", sse("openai-tools-logprobs.jsonl"));
    }
}
