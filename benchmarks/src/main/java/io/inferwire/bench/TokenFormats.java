package io.inferwire.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import io.inferwire.bench.TensorFormats.Compress;
import io.inferwire.bench.TensorFormats.Encoded;
import io.inferwire.proto.v1.GenerationResult;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.proto.v1.TokenLogprob;
import io.inferwire.sse.SseDecoder;
import io.inferwire.sse.SseEncoder;
import io.inferwire.tokens.TokenDecoder;
import io.inferwire.tokens.TokenEncoder;
import io.inferwire.tokens.TokenStep;
import io.inferwire.tokens.TopLogprob;
import io.inferwire.wire.FrameStreamReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The formats a token workload is measured in. The JSON formats carry the events as
 * given; protobuf and inferwire's step streams carry the steps (text, ids, logprobs);
 * inferwire SSE carries the JSON events byte for byte.
 */
final class TokenFormats {

    private TokenFormats() {}

    /** One format: encodes every response of the workload, decodes them back. */
    interface Format {
        String name();

        String group();

        Encoded encode(Prepared in) throws Exception;

        /** Decodes; returns the largest logprob error (0 when exact), throws when the data did not come back. */
        double decode(Encoded e, Prepared in) throws Exception;
    }

    /** The workload with its SSE bytes and steps. */
    record Prepared(TokenWorkload w, List<byte[]> sse, List<List<TokenStep>> steps, long sseBytes) {
        static Prepared of(TokenWorkload w) throws IOException {
            List<byte[]> sse = new ArrayList<>();
            long total = 0;
            for (List<byte[]> s : w.streams()) {
                ByteArrayOutputStream bos = new ByteArrayOutputStream();
                for (byte[] e : s) {
                    bos.write(DATA);
                    bos.write(e);
                    bos.write(END_EVENT);
                }
                bos.write(DONE);
                sse.add(bos.toByteArray());
                total += bos.size();
            }
            return new Prepared(w, sse, w.steps() != null ? w.steps() : stepsFromJson(w.streams()), total);
        }
    }

    static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    static final byte[] END_EVENT = "\n\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private static final ObjectMapper JSON = new ObjectMapper();

    static int indexOf(byte[] b, byte x, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return b.length;
    }

    /** All formats, in table order; the step formats with a bound only when the workload has logprobs. */
    static List<Format> all(boolean logprobs) {
        List<Format> f = new ArrayList<>();
        f.add(new Sse(null));
        f.add(new Sse(Compress.GZIP_MESSAGE));
        f.add(new Sse(Compress.GZIP_STREAM));
        f.add(new Sse(Compress.ZSTD_MESSAGE));
        f.add(new Sse(Compress.ZSTD_STREAM));
        f.add(new Protobuf(false));
        f.add(new Protobuf(true));
        f.add(new ProtobufLz4Stream());
        f.add(new InferwireSse());
        f.add(new InferwireSteps(0));
        if (logprobs) {
            f.add(new InferwireSteps(1e-3));
            f.add(new InferwireSteps(1e-4));
        }
        return f;
    }

    /** The text (and finish reason) of OpenAI chunk events, as steps without ids. */
    static List<List<TokenStep>> stepsFromJson(List<List<byte[]>> streams) throws IOException {
        ObjectMapper om = JSON;
        List<List<TokenStep>> out = new ArrayList<>();
        for (List<byte[]> s : streams) {
            List<TokenStep> steps = new ArrayList<>(s.size());
            for (byte[] e : s) {
                JsonNode c = om.readTree(e).path("choices").path(0);
                JsonNode d = c.path("delta");
                String text = firstText(
                        d.path("content"),
                        d.path("reasoning_content"),
                        d.path("reasoning"),
                        d.path("tool_calls").path(0).path("function").path("arguments"),
                        c.path("text"));
                String finish = c.path("finish_reason").isTextual()
                        ? c.path("finish_reason").asText()
                        : null;
                steps.add(TokenStep.ofText(text).withFinishReason(finish));
            }
            out.add(steps);
        }
        return out;
    }

    private static String firstText(JsonNode... nodes) {
        for (JsonNode n : nodes) {
            if (n.isTextual()) {
                return n.asText();
            }
        }
        return "";
    }

    /** JSON SSE events, plain or compressed (per event, or one context per response flushed after every event). */
    record Sse(Compress compress) implements Format {
        @Override
        public String name() {
            return compress == null
                    ? "JSON SSE"
                    : switch (compress) {
                        case GZIP_MESSAGE -> "JSON + gzip per message";
                        case GZIP_STREAM -> "JSON + gzip stream";
                        case ZSTD_MESSAGE -> "JSON + zstd per message";
                        case ZSTD_STREAM -> "JSON + zstd stream";
                        case LZ4_FRAME_STREAM -> "JSON + LZ4 frame stream";
                    };
        }

        @Override
        public String group() {
            return "baseline";
        }

        @Override
        public Encoded encode(Prepared in) throws IOException {
            if (compress == null) {
                // The events are given: encoding is writing them as SSE.
                List<byte[]> out = new ArrayList<>(in.sse().size());
                long total = 0;
                for (List<byte[]> s : in.w().streams()) {
                    ByteArrayOutputStream bos = new ByteArrayOutputStream();
                    for (byte[] e : s) {
                        bos.write(DATA);
                        bos.write(e);
                        bos.write(END_EVENT);
                    }
                    bos.write(DONE);
                    out.add(bos.toByteArray());
                    total += bos.size();
                }
                return new Encoded(total, out);
            }
            List<Encoded> out = new ArrayList<>();
            long total = 0;
            for (List<byte[]> s : in.w().streams()) {
                List<byte[]> events = new ArrayList<>(s.size() + 1);
                for (byte[] e : s) {
                    byte[] ev = new byte[DATA.length + e.length + 2];
                    System.arraycopy(DATA, 0, ev, 0, DATA.length);
                    System.arraycopy(e, 0, ev, DATA.length, e.length);
                    ev[ev.length - 2] = '\n';
                    ev[ev.length - 1] = '\n';
                    events.add(ev);
                }
                events.add(DONE);
                Encoded z = TensorFormats.compress(events, compress);
                out.add(z);
                total += z.bytes();
            }
            return new Encoded(total, out);
        }

        @Override
        @SuppressWarnings("unchecked")
        public double decode(Encoded e, Prepared in) throws IOException {
            if (compress == null) {
                // What every JSON client does at least: parse each event.
                for (byte[] sse : (List<byte[]>) e.data()) {
                    int at = 0;
                    while (at < sse.length) {
                        int end = indexOf(sse, (byte) '\n', at);
                        if (end > at + DATA.length && sse[at + DATA.length] != '[') {
                            JSON.readTree(sse, at + DATA.length, end - at - DATA.length);
                        }
                        at = end + 2;
                    }
                }
                return 0;
            }
            List<Encoded> parts = (List<Encoded>) e.data();
            for (int i = 0; i < parts.size(); i++) {
                byte[] back = TensorFormats.decompress(
                        parts.get(i), compress, in.sse().get(i).length);
                if (!Arrays.equals(back, in.sse().get(i))) {
                    throw new IllegalStateException(name() + ": response " + i + " did not come back");
                }
            }
            return 0;
        }
    }

    static GenerationResult toProto(TokenStep s) {
        GenerationResult.Builder b = GenerationResult.newBuilder().setTextBytes(ByteString.copyFrom(s.text()));
        for (int id : s.tokenIds()) {
            b.addTokenIds(id);
        }
        if (s.logprobs().length > 0 || !s.topLogprobs().isEmpty()) {
            TokenLogprob.Builder lp = TokenLogprob.newBuilder();
            if (s.tokenIds().length > 0) {
                lp.setTokenId(s.tokenIds()[0]);
            }
            if (s.logprobs().length > 0) {
                lp.setLogprob(s.logprobs()[0]);
            }
            for (TopLogprob t : s.topLogprobs()) {
                lp.addTopIds(t.tokenId());
                lp.addTopLogprobs(t.logprob());
            }
            b.addLogprobs(lp);
        }
        if (s.finishReason() != null) {
            b.setFinishReason(s.finishReason());
        }
        return b.build();
    }

    /** Our schema's {@code GenerationResult} per step, length-delimited, with LZ4 per message or not. */
    record Protobuf(boolean lz4) implements Format {
        @Override
        public String name() {
            return lz4 ? "seed: protobuf + LZ4 per message" : "protobuf";
        }

        @Override
        public String group() {
            return lz4 ? "seed" : "baseline";
        }

        @Override
        public Encoded encode(Prepared in) {
            List<byte[]> msgs = new ArrayList<>();
            long total = 0;
            try (Lz4Messages z = new Lz4Messages()) {
                for (List<TokenStep> s : in.steps()) {
                    for (TokenStep step : s) {
                        byte[] m = toProto(step).toByteArray();
                        if (lz4) {
                            m = z.compress(m);
                        }
                        msgs.add(m);
                        total += m.length + TensorFormats.varintSize(m.length);
                    }
                }
            }
            return new Encoded(total, msgs);
        }

        @Override
        @SuppressWarnings("unchecked")
        public double decode(Encoded e, Prepared in) throws IOException {
            List<byte[]> msgs = (List<byte[]>) e.data();
            int k = 0;
            try (Lz4Messages z = new Lz4Messages()) {
                for (List<TokenStep> s : in.steps()) {
                    for (TokenStep step : s) {
                        byte[] m = msgs.get(k++);
                        GenerationResult g =
                                GenerationResult.parseFrom(CodedInputStream.newInstance(lz4 ? z.decompress(m) : m));
                        if (g.getTextBytes().size() != step.text().length) {
                            throw new IllegalStateException(name() + ": step " + k + " did not come back");
                        }
                    }
                }
            }
            return 0;
        }
    }

    /** Each response's length-delimited {@code GenerationResult}s through one LZ4 frame flushed after every step. */
    record ProtobufLz4Stream() implements Format {
        @Override
        public String name() {
            return "protobuf + LZ4 frame stream";
        }

        @Override
        public String group() {
            return "baseline";
        }

        @Override
        public Encoded encode(Prepared in) throws IOException {
            List<Encoded> out = new ArrayList<>();
            long total = 0;
            for (List<TokenStep> s : in.steps()) {
                List<byte[]> msgs = new ArrayList<>(s.size());
                for (TokenStep step : s) {
                    msgs.add(toProto(step).toByteArray());
                }
                Encoded z = TensorFormats.compress(TensorFormats.delimited(msgs), Compress.LZ4_FRAME_STREAM);
                out.add(z);
                total += z.bytes();
            }
            return new Encoded(total, out);
        }

        @Override
        @SuppressWarnings("unchecked")
        public double decode(Encoded e, Prepared in) throws IOException {
            List<Encoded> parts = (List<Encoded>) e.data();
            for (int i = 0; i < parts.size(); i++) {
                byte[] all = TensorFormats.decompress(parts.get(i), Compress.LZ4_FRAME_STREAM, 1 << 16);
                CodedInputStream cis = CodedInputStream.newInstance(all);
                for (TokenStep step : in.steps().get(i)) {
                    int limit = cis.pushLimit(cis.readRawVarint32());
                    GenerationResult g = GenerationResult.parseFrom(cis);
                    cis.popLimit(limit);
                    if (g.getTextBytes().size() != step.text().length) {
                        throw new IllegalStateException(name() + ": a step did not come back");
                    }
                }
            }
            return 0;
        }
    }

    /** inferwire's SSE adapter: every JSON event back byte for byte. */
    record InferwireSse() implements Format {
        @Override
        public String name() {
            return "inferwire SSE (byte-exact JSON)";
        }

        @Override
        public String group() {
            return "inferwire";
        }

        @Override
        public Encoded encode(Prepared in) throws IOException {
            List<byte[]> out = new ArrayList<>();
            long total = 0;
            try (Arena arena = Arena.ofConfined()) {
                for (List<byte[]> s : in.w().streams()) {
                    ByteArrayOutputStream bos = new ByteArrayOutputStream();
                    SseEncoder enc = SseEncoder.builder().build(arena, bos);
                    for (byte[] ev : s) {
                        enc.event(ev);
                    }
                    enc.done();
                    enc.finish();
                    out.add(bos.toByteArray());
                    total += bos.size();
                }
            }
            return new Encoded(total, out);
        }

        @Override
        @SuppressWarnings("unchecked")
        public double decode(Encoded e, Prepared in) throws IOException {
            List<byte[]> parts = (List<byte[]>) e.data();
            for (int i = 0; i < parts.size(); i++) {
                ByteArrayOutputStream bos = new ByteArrayOutputStream(in.sse().get(i).length);
                SseDecoder.decode(new ByteArrayInputStream(parts.get(i)), bos, true);
                if (!Arrays.equals(bos.toByteArray(), in.sse().get(i))) {
                    throw new IllegalStateException(name() + ": response " + i + " is not byte-exact");
                }
            }
            return 0;
        }
    }

    /** inferwire's token stream of steps: text, ids, logprobs (exact, or within a bound). */
    record InferwireSteps(double bound) implements Format {
        @Override
        public String name() {
            return bound == 0 ? "inferwire steps" : "inferwire steps, logprobs ±" + (bound == 1e-3 ? "1e-3" : "1e-4");
        }

        @Override
        public String group() {
            return "inferwire";
        }

        @Override
        public Encoded encode(Prepared in) {
            List<byte[]> out = new ArrayList<>();
            long total = 0;
            try (Arena arena = Arena.ofConfined()) {
                for (List<TokenStep> s : in.steps()) {
                    TokenEncoder enc = TokenEncoder.builder().errorBound(bound).build(arena);
                    ByteArrayOutputStream bos = new ByteArrayOutputStream();
                    enc.start(StreamHeader.getDefaultInstance());
                    bos.writeBytes(enc.frame().toArray(ValueLayout.JAVA_BYTE));
                    for (TokenStep step : s) {
                        enc.encode(step);
                        bos.writeBytes(enc.frame().toArray(ValueLayout.JAVA_BYTE));
                    }
                    enc.end();
                    bos.writeBytes(enc.frame().toArray(ValueLayout.JAVA_BYTE));
                    out.add(bos.toByteArray());
                    total += bos.size();
                }
            }
            return new Encoded(total, out);
        }

        @Override
        @SuppressWarnings("unchecked")
        public double decode(Encoded e, Prepared in) throws Exception {
            List<byte[]> parts = (List<byte[]>) e.data();
            double err = 0;
            try (Arena arena = Arena.ofConfined()) {
                for (int i = 0; i < parts.size(); i++) {
                    byte[] b = parts.get(i);
                    FrameStreamReader reader = new FrameStreamReader(arena);
                    MemorySegment seg = arena.allocate(b.length);
                    MemorySegment.copy(b, 0, seg, ValueLayout.JAVA_BYTE, 0, b.length);
                    reader.feed(seg);
                    TokenDecoder dec = new TokenDecoder();
                    List<TokenStep> want = in.steps().get(i);
                    int k = 0;
                    while (reader.next()) {
                        TokenStep got = dec.accept(reader);
                        if (got != null) {
                            err = Math.max(err, compare(want.get(k++), got));
                        }
                    }
                    reader.finish();
                    if (k != want.size() || !dec.ended()) {
                        throw new IllegalStateException(name() + ": response " + i + " lost steps");
                    }
                }
            }
            return err;
        }

        private double compare(TokenStep want, TokenStep got) {
            if (!Arrays.equals(want.text(), got.text()) || !Arrays.equals(want.tokenIds(), got.tokenIds())) {
                throw new IllegalStateException(name() + ": a step's text or ids did not come back");
            }
            double err = 0;
            for (int j = 0; j < want.logprobs().length; j++) {
                err = Math.max(err, Math.abs(want.logprobs()[j] - got.logprobs()[j]));
            }
            for (int j = 0; j < want.topLogprobs().size(); j++) {
                TopLogprob a = want.topLogprobs().get(j);
                TopLogprob b = got.topLogprobs().get(j);
                if (a.tokenId() != b.tokenId()) {
                    throw new IllegalStateException(name() + ": a top-k id did not come back");
                }
                err = Math.max(err, Math.abs(a.logprob() - b.logprob()));
            }
            return err;
        }
    }
}
