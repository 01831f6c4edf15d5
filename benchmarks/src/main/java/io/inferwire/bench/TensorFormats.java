package io.inferwire.bench;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import com.google.protobuf.CodedInputStream;
import io.inferwire.StreamException;
import io.inferwire.lz4.Lz4Block;
import io.inferwire.memory.Layouts;
import io.inferwire.proto.v1.EmbeddingResult;
import io.inferwire.proto.v1.FrameKind;
import io.inferwire.proto.v1.LogitsResult;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.transform.OpenLoopDelta;
import io.inferwire.transform.TensorCodec;
import io.inferwire.transform.TensorDecoder;
import io.inferwire.transform.TensorEncoder;
import io.inferwire.wire.FrameEncoder;
import io.inferwire.wire.FrameStreamReader;
import io.inferwire.wire.ReaderOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import net.jpountz.xxhash.XXHashFactory;

/**
 * The formats a float tensor stream is measured in. Every format encodes the whole
 * workload (one message per row, in order) and decodes it back into floats, so its
 * bytes, its error and its speed come from the same run.
 */
final class TensorFormats {

    private TensorFormats() {}

    /** What an encode produced: its size on the wire and what decode reads. */
    record Encoded(long bytes, Object data) {}

    /** One format. */
    interface Format {
        String name();

        String group();

        Encoded encode(Input in) throws Exception;

        void decode(Encoded e, Input in, float[] out) throws Exception;
    }

    /** The workload, on the heap and in native memory. */
    record Input(TensorWorkload w, MemorySegment rows) {
        static Input of(TensorWorkload w, Arena arena) {
            MemorySegment s = arena.allocate(4L * w.values().length, 64);
            MemorySegment.copy(w.values(), 0, s, Layouts.FLOAT_LE, 0, w.values().length);
            return new Input(w, s);
        }
    }

    /** All formats, in table order. */
    static List<Format> all() {
        List<Format> f = new ArrayList<>();
        f.add(new JsonFloats("JSON float array", null));
        f.add(new JsonBase64());
        f.add(new JsonFloats("JSON + gzip per message", Compress.GZIP_MESSAGE));
        f.add(new JsonFloats("JSON + gzip stream", Compress.GZIP_STREAM));
        f.add(new JsonFloats("JSON + zstd per message", Compress.ZSTD_MESSAGE));
        f.add(new JsonFloats("JSON + zstd stream", Compress.ZSTD_STREAM));
        f.add(new Protobuf(false));
        f.add(new Protobuf(true));
        f.add(new ProtobufLz4Stream());
        f.add(new SeedDelta(1e-4f));
        f.add(new Fp16());
        f.add(new Int8());
        f.add(new Inferwire("inferwire lossless", true, 0, TensorCodec.Packing.FAST));
        f.add(new Inferwire("inferwire lossless dense", true, 0, TensorCodec.Packing.DENSE));
        f.add(new Inferwire("inferwire 1e-3", false, 1e-3, TensorCodec.Packing.FAST));
        f.add(new Inferwire("inferwire 1e-3 dense", false, 1e-3, TensorCodec.Packing.DENSE));
        f.add(new Inferwire("inferwire 1e-4", false, 1e-4, TensorCodec.Packing.FAST));
        f.add(new Inferwire("inferwire 1e-4 dense", false, 1e-4, TensorCodec.Packing.DENSE));
        return f;
    }

    /** The compression applied to a list of JSON messages. */
    enum Compress {
        GZIP_MESSAGE,
        GZIP_STREAM,
        ZSTD_MESSAGE,
        ZSTD_STREAM,
        /** An LZ4 frame (lz4-java's stream, JNI compressor, 64 KB independent blocks) flushed after every message. */
        LZ4_FRAME_STREAM
    }

    /** Compresses messages one by one, or as one stream flushed after each. */
    static Encoded compress(List<byte[]> messages, Compress c) throws IOException {
        switch (c) {
            case GZIP_MESSAGE, ZSTD_MESSAGE -> {
                List<byte[]> out = new ArrayList<>(messages.size());
                long total = 0;
                for (byte[] m : messages) {
                    byte[] z;
                    if (c == Compress.GZIP_MESSAGE) {
                        ByteArrayOutputStream bos = new ByteArrayOutputStream(m.length / 2 + 32);
                        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
                            gz.write(m);
                        }
                        z = bos.toByteArray();
                    } else {
                        z = Zstd.compress(m, 3);
                    }
                    out.add(z);
                    total += z.length;
                }
                return new Encoded(total, out);
            }
            default -> {
                ByteArrayOutputStream bos = new ByteArrayOutputStream();
                try (var s = switch (c) {
                    case GZIP_STREAM -> new GZIPOutputStream(bos, 1 << 16, true);
                    case ZSTD_STREAM -> new ZstdOutputStream(bos, 3);
                    default ->
                        new LZ4FrameOutputStream(
                                bos,
                                LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB,
                                -1L,
                                LZ4Factory.nativeInstance().fastCompressor(),
                                XXHashFactory.nativeInstance().hash32(),
                                LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE);
                }) {
                    for (byte[] m : messages) {
                        s.write(m);
                        s.flush(); // every message goes out as soon as it is made
                    }
                }
                byte[] z = bos.toByteArray();
                return new Encoded(z.length, z);
            }
        }
    }

    /** Inverts {@link #compress}; the messages come back concatenated. */
    @SuppressWarnings("unchecked")
    static byte[] decompress(Encoded e, Compress c, int expected) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream(expected);
        switch (c) {
            case GZIP_MESSAGE, ZSTD_MESSAGE -> {
                for (byte[] z : (List<byte[]>) e.data()) {
                    if (c == Compress.GZIP_MESSAGE) {
                        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(z))) {
                            in.transferTo(all);
                        }
                    } else {
                        all.write(Zstd.decompress(z, (int) Zstd.getFrameContentSize(z)));
                    }
                }
            }
            default -> {
                byte[] z = (byte[]) e.data();
                try (InputStream in = switch (c) {
                    case GZIP_STREAM -> new GZIPInputStream(new ByteArrayInputStream(z), 1 << 16);
                    case ZSTD_STREAM -> new ZstdInputStream(new ByteArrayInputStream(z));
                    default ->
                        new LZ4FrameInputStream(
                                new ByteArrayInputStream(z),
                                LZ4Factory.nativeInstance().safeDecompressor(),
                                XXHashFactory.nativeInstance().hash32());
                }) {
                    in.transferTo(all);
                }
            }
        }
        return all.toByteArray();
    }

    /**
     * The JSON of one row as the big APIs send it: OpenAI's {@code /v1/embeddings} item
     * (float32 values printed as the shortest decimal of their double value, as Python's
     * {@code json} does), or the same shape with {@code "logits"} for a logits row.
     */
    static byte[] jsonRow(TensorWorkload w, int row, StringBuilder sb) {
        sb.setLength(0);
        boolean emb = "embedding".equals(w.kind());
        sb.append(emb ? "{\"object\":\"embedding\",\"index\":" : "{\"object\":\"logits\",\"index\":")
                .append(row)
                .append(emb ? ",\"embedding\":[" : ",\"logits\":[");
        int d = w.dim();
        float[] v = w.values();
        for (int i = 0; i < d; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append((double) v[row * d + i]);
        }
        sb.append("]}\n");
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Parses the rows written by {@link #jsonRow}, concatenated, into {@code out}. */
    static void parseJsonRows(byte[] json, float[] out) {
        String s = new String(json, StandardCharsets.US_ASCII);
        int k = 0;
        int at = 0;
        while (k < out.length) {
            int open = s.indexOf('[', at);
            int close = s.indexOf(']', open);
            int p = open + 1;
            while (p < close) {
                int comma = s.indexOf(',', p);
                int end = comma < 0 || comma > close ? close : comma;
                out[k++] = (float) Double.parseDouble(s.substring(p, end));
                p = end + 1;
            }
            at = close + 1;
        }
    }

    /** JSON float arrays, plain or compressed. */
    record JsonFloats(String name, Compress compress) implements Format {
        @Override
        public String group() {
            return "baseline";
        }

        @Override
        public Encoded encode(Input in) throws IOException {
            StringBuilder sb = new StringBuilder();
            List<byte[]> msgs = new ArrayList<>(in.w().rows());
            long total = 0;
            for (int r = 0; r < in.w().rows(); r++) {
                byte[] m = jsonRow(in.w(), r, sb);
                msgs.add(m);
                total += m.length;
            }
            return compress == null ? new Encoded(total, msgs) : TensorFormats.compress(msgs, compress);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void decode(Encoded e, Input in, float[] out) throws IOException {
            byte[] json;
            if (compress == null) {
                ByteArrayOutputStream all = new ByteArrayOutputStream((int) e.bytes());
                for (byte[] m : (List<byte[]>) e.data()) {
                    all.write(m);
                }
                json = all.toByteArray();
            } else {
                json = decompress(e, compress, out.length * 12);
            }
            parseJsonRows(json, out);
        }
    }

    /** OpenAI's {@code encoding_format: "base64"}: the little-endian float32 bytes in base64. */
    record JsonBase64() implements Format {
        @Override
        public String name() {
            return "JSON base64";
        }

        @Override
        public String group() {
            return "baseline";
        }

        @Override
        public Encoded encode(Input in) {
            int d = in.w().dim();
            byte[] raw = new byte[4 * d];
            ByteBuffer bb = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
            List<byte[]> msgs = new ArrayList<>();
            long total = 0;
            float[] v = in.w().values();
            for (int r = 0; r < in.w().rows(); r++) {
                bb.clear();
                bb.asFloatBuffer().put(v, r * d, d);
                String m = "{\"object\":\"embedding\",\"index\":" + r + ",\"embedding\":\""
                        + Base64.getEncoder().encodeToString(raw) + "\"}\n";
                byte[] b = m.getBytes(StandardCharsets.US_ASCII);
                msgs.add(b);
                total += b.length;
            }
            return new Encoded(total, msgs);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void decode(Encoded e, Input in, float[] out) {
            int d = in.w().dim();
            int r = 0;
            for (byte[] m : (List<byte[]>) e.data()) {
                String s = new String(m, StandardCharsets.US_ASCII);
                int q = s.indexOf("\"embedding\":\"") + 13;
                byte[] raw = Base64.getDecoder().decode(s.substring(q, s.indexOf('"', q)));
                ByteBuffer.wrap(raw)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .asFloatBuffer()
                        .get(out, r * d, d);
                r++;
            }
        }
    }

    /** Our schema's result messages ({@code EmbeddingResult} / {@code LogitsResult}), with LZ4 per message or not. */
    record Protobuf(boolean lz4) implements Format {
        @Override
        public String name() {
            return lz4 ? "protobuf + LZ4 per message" : "protobuf";
        }

        @Override
        public String group() {
            return lz4 ? "seed" : "baseline";
        }

        @Override
        public Encoded encode(Input in) {
            TensorWorkload w = in.w();
            int d = w.dim();
            float[] v = w.values();
            List<byte[]> msgs = new ArrayList<>();
            long total = 0;
            Lz4Block block = lz4 ? new Lz4Block() : null;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment src = arena.allocate(4L * d + 64);
                MemorySegment dst = arena.allocate(Lz4Block.maxCompressedLength(4 * d + 64));
                for (int r = 0; r < w.rows(); r++) {
                    List<Float> row = new ArrayList<>(d);
                    for (int i = 0; i < d; i++) {
                        row.add(v[r * d + i]);
                    }
                    byte[] m = "embedding".equals(w.kind())
                            ? EmbeddingResult.newBuilder()
                                    .addAllValues(row)
                                    .addShape(d)
                                    .build()
                                    .toByteArray()
                            : LogitsResult.newBuilder()
                                    .addAllValues(row)
                                    .setVocabSize(d)
                                    .setPosition(r)
                                    .build()
                                    .toByteArray();
                    if (lz4) {
                        MemorySegment.copy(m, 0, src, ValueLayout.JAVA_BYTE, 0, m.length);
                        int n = block.compress(src, 0, m.length, dst, 0);
                        byte[] z = new byte[n + 4];
                        ByteBuffer.wrap(z).order(ByteOrder.LITTLE_ENDIAN).putInt(m.length);
                        MemorySegment.copy(dst, ValueLayout.JAVA_BYTE, 0, z, 4, n);
                        m = z;
                    }
                    msgs.add(m);
                    total += m.length + varintSize(m.length); // length-delimited on the wire
                }
            } finally {
                if (block != null) {
                    block.release();
                }
            }
            return new Encoded(total, msgs);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void decode(Encoded e, Input in, float[] out) throws IOException {
            int d = in.w().dim();
            int r = 0;
            Lz4Block block = lz4 ? new Lz4Block() : null;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment src = arena.allocate(Lz4Block.maxCompressedLength(4 * d + 64));
                MemorySegment dst = arena.allocate(4L * d + 64);
                for (byte[] m : (List<byte[]>) e.data()) {
                    byte[] msg = m;
                    if (lz4) {
                        int raw = ByteBuffer.wrap(m)
                                .order(ByteOrder.LITTLE_ENDIAN)
                                .getInt();
                        MemorySegment.copy(m, 4, src, ValueLayout.JAVA_BYTE, 0, m.length - 4);
                        block.decompress(src, 0, m.length - 4, dst, 0, raw);
                        msg = dst.asSlice(0, raw).toArray(ValueLayout.JAVA_BYTE);
                    }
                    List<Float> vals = "embedding".equals(in.w().kind())
                            ? EmbeddingResult.parseFrom(CodedInputStream.newInstance(msg))
                                    .getValuesList()
                            : LogitsResult.parseFrom(CodedInputStream.newInstance(msg))
                                    .getValuesList();
                    for (int i = 0; i < d; i++) {
                        out[r * d + i] = vals.get(i);
                    }
                    r++;
                }
            } finally {
                if (block != null) {
                    block.release();
                }
            }
        }
    }

    /** The length-delimited protobuf messages through one LZ4 frame flushed after every message. */
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
        @SuppressWarnings("unchecked")
        public Encoded encode(Input in) throws IOException {
            List<byte[]> msgs = (List<byte[]>) new Protobuf(false).encode(in).data();
            return TensorFormats.compress(delimited(msgs), Compress.LZ4_FRAME_STREAM);
        }

        @Override
        public void decode(Encoded e, Input in, float[] out) throws IOException {
            byte[] all = decompress(
                    e, Compress.LZ4_FRAME_STREAM, 4 * out.length + 16 * in.w().rows());
            CodedInputStream cis = CodedInputStream.newInstance(all);
            int d = in.w().dim();
            boolean emb = "embedding".equals(in.w().kind());
            for (int r = 0; r < in.w().rows(); r++) {
                int limit = cis.pushLimit(cis.readRawVarint32());
                List<Float> vals = emb
                        ? EmbeddingResult.parseFrom(cis).getValuesList()
                        : LogitsResult.parseFrom(cis).getValuesList();
                cis.popLimit(limit);
                for (int i = 0; i < d; i++) {
                    out[r * d + i] = vals.get(i);
                }
            }
        }
    }

    /** Each message with its varint length in front, as writeDelimitedTo writes it. */
    static List<byte[]> delimited(List<byte[]> msgs) {
        List<byte[]> out = new ArrayList<>(msgs.size());
        for (byte[] m : msgs) {
            byte[] d = new byte[varintSize(m.length) + m.length];
            int at = 0;
            long v = m.length;
            while ((v & ~0x7FL) != 0) {
                d[at++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            d[at++] = (byte) v;
            System.arraycopy(m, 0, d, at, m.length);
            out.add(d);
        }
        return out;
    }

    static int varintSize(long v) {
        int n = 1;
        while ((v >>>= 7) != 0) {
            n++;
        }
        return n;
    }

    /**
     * The seed's scheme: open-loop delta against the previous input with small deltas
     * dropped, in a protobuf frame, LZ4 per message.
     */
    record SeedDelta(float threshold) implements Format {
        @Override
        public String name() {
            return "seed: protobuf + open-loop delta + LZ4";
        }

        @Override
        public String group() {
            return "seed";
        }

        @Override
        public Encoded encode(Input in) {
            return rawFrames(in, FrameEncoder.Compression.LZ4, (arena, d) -> {
                OpenLoopDelta.Encoder enc = OpenLoopDelta.newEncoder(d, threshold, arena);
                return (rows, off, payload) -> {
                    enc.encode(rows, off, payload, 0);
                    return 4 * d;
                };
            });
        }

        @Override
        public void decode(Encoded e, Input in, float[] out) throws StreamException {
            int d = in.w().dim();
            try (Arena arena = Arena.ofConfined()) {
                OpenLoopDelta.Decoder dec = OpenLoopDelta.newDecoder(d, arena);
                MemorySegment row = arena.allocate(4L * d);
                readFrames(e, arena, (data, off, len, r) -> {
                    dec.decode(data, off, row, 0);
                    MemorySegment.copy(row, Layouts.FLOAT_LE, 0, out, r * d, d);
                });
            }
        }
    }

    /** float16 per value (IEEE binary16, round to nearest even), in a protobuf frame. */
    record Fp16() implements Format {
        @Override
        public String name() {
            return "fp16 cast";
        }

        @Override
        public String group() {
            return "lossy";
        }

        @Override
        public Encoded encode(Input in) {
            return rawFrames(in, FrameEncoder.Compression.NONE, (arena, d) -> (rows, off, payload) -> {
                for (int i = 0; i < d; i++) {
                    short h = Float.floatToFloat16(rows.get(Layouts.FLOAT_LE, off + 4L * i));
                    payload.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, h);
                }
                return 2 * d;
            });
        }

        @Override
        public void decode(Encoded e, Input in, float[] out) throws StreamException {
            int d = in.w().dim();
            try (Arena arena = Arena.ofConfined()) {
                readFrames(e, arena, (data, off, len, r) -> {
                    for (int i = 0; i < d; i++) {
                        out[r * d + i] = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, off + 2L * i));
                    }
                });
            }
        }
    }

    /** int8 with one float32 scale per vector (max |x| / 127), in a protobuf frame. */
    record Int8() implements Format {
        @Override
        public String name() {
            return "int8 + scale per vector";
        }

        @Override
        public String group() {
            return "lossy";
        }

        @Override
        public Encoded encode(Input in) {
            return rawFrames(in, FrameEncoder.Compression.NONE, (arena, d) -> (rows, off, payload) -> {
                float max = 0;
                for (int i = 0; i < d; i++) {
                    max = Math.max(max, Math.abs(rows.get(Layouts.FLOAT_LE, off + 4L * i)));
                }
                float scale = max / 127f;
                payload.set(Layouts.FLOAT_LE, 0, scale);
                for (int i = 0; i < d; i++) {
                    float x = rows.get(Layouts.FLOAT_LE, off + 4L * i);
                    payload.set(ValueLayout.JAVA_BYTE, 4 + i, (byte) (scale == 0 ? 0 : Math.round(x / scale)));
                }
                return 4 + d;
            });
        }

        @Override
        public void decode(Encoded e, Input in, float[] out) throws StreamException {
            int d = in.w().dim();
            try (Arena arena = Arena.ofConfined()) {
                readFrames(e, arena, (data, off, len, r) -> {
                    float scale = data.get(Layouts.FLOAT_LE, off);
                    for (int i = 0; i < d; i++) {
                        out[r * d + i] = scale * data.get(ValueLayout.JAVA_BYTE, off + 4 + i);
                    }
                });
            }
        }
    }

    /** Fills {@code payload} from the row at {@code off}; returns the payload's length. */
    @FunctionalInterface
    interface RowCoder {
        int code(MemorySegment rows, long off, MemorySegment payload);
    }

    /** Makes a {@link RowCoder} for rows of {@code d} values, with state from {@code arena}. */
    @FunctionalInterface
    interface RowCoderFactory {
        RowCoder make(Arena arena, int d);
    }

    /** Takes one decoded frame's data. */
    @FunctionalInterface
    interface FrameSink {
        void take(MemorySegment data, long off, long len, int row);
    }

    /** One inferwire KEY frame per row (our protobuf frame), payload made by {@code coder}. */
    static Encoded rawFrames(Input in, FrameEncoder.Compression c, RowCoderFactory factory) {
        TensorWorkload w = in.w();
        int d = w.dim();
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (Arena arena = Arena.ofConfined()) {
            RowCoder coder = factory.make(arena, d);
            FrameEncoder fe = new FrameEncoder(arena, 4 * d + 8, c, true);
            MemorySegment payload = arena.allocate(4L * d + 8);
            int[] shape = {d};
            for (int r = 0; r < w.rows(); r++) {
                int len = coder.code(in.rows(), 4L * r * d, payload);
                fe.encode(0, r, FrameKind.FRAME_KIND_KEY, 0, shape, payload, 0, len);
                bos.writeBytes(fe.frame().toArray(ValueLayout.JAVA_BYTE));
            }
        }
        byte[] b = bos.toByteArray();
        return new Encoded(b.length, b);
    }

    /** Reads the frames of {@link #rawFrames} (checked, decompressed) into {@code sink}. */
    static void readFrames(Encoded e, Arena arena, FrameSink sink) throws StreamException {
        FrameStreamReader reader = new FrameStreamReader(arena, ReaderOptions.defaults());
        byte[] b = (byte[]) e.data();
        MemorySegment s = arena.allocate(b.length);
        MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, 0, b.length);
        reader.feed(s);
        int r = 0;
        while (reader.next()) {
            sink.take(reader.dataSegment(), reader.dataOffset(), reader.dataLength(), r++);
        }
    }

    /** inferwire's tensor codec: header, one frame per row, end. */
    record Inferwire(String name, boolean lossless, double bound, TensorCodec.Packing packing) implements Format {
        @Override
        public String group() {
            return "inferwire";
        }

        TensorCodec codec(int d) {
            TensorCodec.Builder b = TensorCodec.builder().shape(d).packing(packing);
            return (lossless ? b.lossless() : b.errorBound(bound)).build();
        }

        @Override
        public Encoded encode(Input in) {
            TensorWorkload w = in.w();
            int d = w.dim();
            try (Arena arena = Arena.ofConfined()) {
                TensorEncoder enc = codec(d).newEncoder(arena);
                MemorySegment out = arena.allocate((long) w.rows() * (4L * d + 256) + 4096);
                long at = 0;
                int n = enc.header(StreamHeader.getDefaultInstance());
                MemorySegment.copy(enc.buffer(), enc.frameOffset(), out, at, n);
                at += n;
                for (int r = 0; r < w.rows(); r++) {
                    n = enc.encode(in.rows(), 4L * r * d);
                    MemorySegment.copy(enc.buffer(), enc.frameOffset(), out, at, n);
                    at += n;
                }
                n = enc.end();
                MemorySegment.copy(enc.buffer(), enc.frameOffset(), out, at, n);
                at += n;
                byte[] b = out.asSlice(0, at).toArray(ValueLayout.JAVA_BYTE);
                return new Encoded(b.length, b);
            }
        }

        @Override
        public void decode(Encoded e, Input in, float[] out) throws StreamException {
            int d = in.w().dim();
            try (Arena arena = Arena.ofConfined()) {
                TensorDecoder dec = codec(d).newDecoder(arena);
                FrameStreamReader reader = new FrameStreamReader(arena, ReaderOptions.defaults());
                byte[] b = (byte[]) e.data();
                MemorySegment s = arena.allocate(b.length);
                MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, 0, b.length);
                MemorySegment row = arena.allocate(4L * d, 64);
                reader.feed(s);
                int r = 0;
                while (reader.next()) {
                    if (dec.decode(reader, row, 0) >= 0) {
                        MemorySegment.copy(row, Layouts.FLOAT_LE, 0, out, r * d, d);
                        r++;
                    }
                }
                reader.finish();
                if (r != in.w().rows()) {
                    throw new IllegalStateException(
                            "decoded " + r + " rows of " + in.w().rows());
                }
            }
        }
    }
}
