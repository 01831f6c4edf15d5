package io.inferwire.transform;

import static io.inferwire.memory.Layouts.DOUBLE_LE;
import static io.inferwire.memory.Layouts.FLOAT_LE;
import static io.inferwire.memory.Layouts.INT_LE;

import io.inferwire.transform.internal.BlockPacking;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The golden vectors of {@code src/test/resources/golden/} (layout in the README
 * there): a fixed input, and what every {@link Backend} kernel and every
 * {@link TensorEncoder} mode makes of it. {@link #kernels} and {@link #streams}
 * compute the files from the committed input with any backend; the scalar one wrote
 * them ({@link GoldenVectorsWriter}), and {@link GoldenVectorsTest} holds every
 * backend to them.
 */
final class GoldenVectors {

    static final String DIR = "golden";
    static final int N = 389;
    static final int FRAMES = 3;
    static final double[] BOUNDS = {1e-4, 1e-2};
    static final String[] TAGS = {"1e-4", "1e-2"};
    static final long STREAM_ID = 0x1f2e3d4cL;

    /** The five quantize cases per bound: {frame, against (-1 intra, else the case whose reconstruction is prev)}. */
    static final int[][] QUANT_CASES = {{0, -1}, {1, -1}, {2, -1}, {1, 0}, {2, 3}};

    /** The stream files, in order. */
    static final List<String> STREAMS = List.of(
            "stream_lossless_fast", "stream_bounded_1e-4_fast", "stream_lossless_dense", "stream_bounded_1e-4_dense");

    private GoldenVectors() {}

    /**
     * A float {@code x} with {@code fl(fl(x - r) * inverse) == target} exactly (the
     * quantizer's {@code t}), searched within 256 ulps of {@code r + target * step};
     * NaN when there is none.
     */
    static float exactT(QuantParams p, float r, float target) {
        float x0 = r + target * p.step();
        float up = x0;
        float down = x0;
        for (int k = 0; k < 256; k++) {
            if ((up - r) * p.inverse() == target) {
                return up;
            }
            if ((down - r) * p.inverse() == target) {
                return down;
            }
            up = Math.nextUp(up);
            down = Math.nextDown(down);
        }
        return Float.NaN;
    }

    /**
     * A float {@code x} that quantizes to {@code q} over {@code r} with the largest
     * {@code |fl(x - rn)| <= accept} (kept) or, when {@code over}, the smallest one above
     * it (escaped), among the floats within 256 ulps of {@code rn + accept}; NaN when
     * there is none.
     */
    static float acceptEdge(QuantParams p, float r, int q, boolean over) {
        float rn = r + (float) q * p.step();
        float x0 = rn + (q < 0 ? -p.accept() : p.accept());
        float best = Float.NaN;
        float bestD = over ? Float.POSITIVE_INFINITY : -1f;
        float up = x0;
        float down = x0;
        for (int k = 0; k < 256; k++) {
            for (float x : new float[] {up, down}) {
                float t = (x - r) * p.inverse();
                int qq = (int) ((t + QuantParams.ROUND_MAGIC) - QuantParams.ROUND_MAGIC);
                float d = Math.abs(x - rn);
                if (qq == q
                        && Math.abs(t) < QuantParams.Q_LIMIT
                        && (over ? d > p.accept() && d < bestD : d <= p.accept() && d > bestD)) {
                    best = x;
                    bestD = d;
                }
            }
            up = Math.nextUp(up);
            down = Math.nextDown(down);
        }
        return best;
    }

    /** An intra value whose {@code t} is exactly {@code k + 0.5} (a tie), for the first {@code k} from {@code from} away from 0 that has one. */
    static float firstTie(QuantParams p, int from) {
        int dir = from < 0 ? -1 : 1;
        for (int k = from; Math.abs(k) < Math.abs(from) + 1000; k += dir) {
            float x = exactT(p, 0f, k + dir * 0.5f);
            if (!Float.isNaN(x)) {
                return x;
            }
        }
        return Float.NaN;
    }

    /** Values on the quantizer's edges for bound {@code e}, intra (prediction 0). */
    static int[] edges(double e) {
        QuantParams p = QuantParams.of(e);
        float[] v = {
            exactT(p, 0f, QuantParams.Q_LIMIT), // t == Q_LIMIT: escaped
            exactT(p, 0f, -QuantParams.Q_LIMIT),
            exactT(p, 0f, Math.nextDown(QuantParams.Q_LIMIT)), // just inside: kept, q = 2^22 - 2 (tie to even)
            firstTie(p, 2), // t = k + 0.5 for the first k >= 2 that has one: rounds to even
            firstTie(p, -3),
            acceptEdge(p, 0f, 0, false), // error exactly accept: kept
            acceptEdge(p, 0f, 0, true), // error one float over accept: escaped
            acceptEdge(p, 0f, 7, false), // the largest error kept around q = 7
            acceptEdge(p, 0f, -9, false), // the largest error kept around q = -9
        };
        int[] bits = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (Float.isNaN(v[i])) {
                throw new AssertionError("no edge value " + i + " for bound " + e);
            }
            bits[i] = Float.floatToRawIntBits(v[i]);
        }
        return bits;
    }

    /** The bits of values that every codec must get right, in the order the README lists them. */
    static int[] specials() {
        int[] edges4 = edges(1e-4);
        int[] edges2 = edges(1e-2);
        int[] sp = specialValues();
        int[] all = java.util.Arrays.copyOf(sp, sp.length + edges4.length + edges2.length);
        System.arraycopy(edges4, 0, all, sp.length, edges4.length);
        System.arraycopy(edges2, 0, all, sp.length + edges4.length, edges2.length);
        return all;
    }

    private static int[] specialValues() {
        float step = (float) (2 * 1e-4);
        return new int[] {
            0x7fc00001, // quiet NaN, payload 1
            0x7fa5a5a5, // signalling NaN
            0xffc12345, // negative quiet NaN with payload
            0xff800001, // negative signalling NaN
            0x7f800000, // +Inf
            0xff800000, // -Inf
            0x00000000, // +0
            0x80000000, // -0
            0x00000001, // smallest subnormal
            0x807fffff, // largest negative subnormal
            0x00400000, // a subnormal
            0x00800000, // MIN_NORMAL
            0x7f7fffff, // MAX_VALUE
            0xff7fffff, // -MAX_VALUE
            Float.floatToRawIntBits(1e3f), // residual beyond the 22-bit range at 1e-4
            Float.floatToRawIntBits(-5e2f), // likewise, negative
            Float.floatToRawIntBits(1e5f), // beyond the range at 1e-2 too
            Float.floatToRawIntBits(3e38f), // t overflows to Inf
            Float.floatToRawIntBits(4194302.6f * step), // just under Q_LIMIT at 1e-4
            Float.floatToRawIntBits(4194303.2f * step), // just over Q_LIMIT at 1e-4
            Float.floatToRawIntBits(-4194302.4f * step), // just under, negative
        };
    }

    /** The fixed input: {@link #FRAMES} frames of {@link #N} float32 values, little-endian. */
    static byte[] makeInput() {
        SplittableRandom r = new SplittableRandom(20261125L);
        int[] sp = specials();
        float[][] f = new float[FRAMES][N];
        for (int i = 0; i < N; i++) {
            f[0][i] = (float) (r.nextGaussian() * 0.05);
            if (i % 37 == 3) {
                f[0][i] = Float.intBitsToFloat(sp[(i / 37) % sp.length]);
            }
        }
        for (int i = 0; i < N; i++) {
            float prev = f[0][i];
            if (!Float.isFinite(prev) || Math.abs(prev) > 1) {
                // Half the specials stay as they were, half become ordinary values again.
                f[1][i] = (i / 37) % 2 == 0 ? prev : (float) (r.nextGaussian() * 0.05);
            } else {
                f[1][i] = prev + (float) (r.nextGaussian() * 2e-4);
            }
            if (i % 41 == 7) {
                f[1][i] = Float.intBitsToFloat(sp[(i / 41 + 5) % sp.length]);
            }
        }
        for (int i = 0; i < N; i++) {
            float prev = f[1][i];
            f[2][i] = Float.isFinite(prev) && Math.abs(prev) <= 1
                    ? prev + (float) (r.nextGaussian() * 2e-4)
                    : (float) (r.nextGaussian() * 0.05);
            if (i % 5 == 0) {
                f[2][i] = Float.intBitsToFloat(sp[(i / 5) % sp.length]);
            }
        }
        MemorySegment s = MemorySegment.ofArray(new byte[4 * FRAMES * N]);
        for (int k = 0; k < FRAMES; k++) {
            for (int i = 0; i < N; i++) {
                s.set(INT_LE, 4L * (k * N + i), Float.floatToRawIntBits(f[k][i]));
            }
        }
        return s.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    /** Codes for the dequantize file: small and wide ones, escapes, ESCAPE where the prev of case 0 is not finite. */
    static int[] dequantCodes(MemorySegment prev) {
        SplittableRandom r = new SplittableRandom(389L);
        int[] z = new int[N];
        for (int i = 0; i < N; i++) {
            int kind = r.nextInt(8);
            z[i] = switch (kind) {
                case 0 -> r.nextInt(1 << 23, QuantParams.ESCAPE); // q beyond Q_LIMIT: the decoder must take it
                case 1 -> r.nextInt(1 << 12);
                case 2 -> QuantParams.ESCAPE;
                default -> r.nextInt(16);
            };
            if (!Float.isFinite(prev.get(FLOAT_LE, 4L * i))) {
                z[i] = QuantParams.ESCAPE;
            }
        }
        return z;
    }

    /** Every kernel file, computed by {@code b} from {@code input}, by name. */
    static Map<String, byte[]> kernels(Backend b, byte[] input, Arena arena) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        long frameBytes = 4L * N;
        MemorySegment in = arena.allocate(input.length, 64);
        MemorySegment.copy(input, 0, in, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, input.length);
        MemorySegment out = arena.allocate(FRAMES * frameBytes, 64);

        for (int f = 0; f < FRAMES; f++) {
            b.xorSplit(in, f * frameBytes, in, 0, false, out, f * frameBytes, N);
        }
        files.put("xor_key.bin", bytes(out, 0, FRAMES * frameBytes));
        MemorySegment key = copy(arena, out, FRAMES * frameBytes);
        for (int f = 1; f < FRAMES; f++) {
            b.xorSplit(in, f * frameBytes, in, (f - 1) * frameBytes, true, out, (f - 1) * frameBytes, N);
        }
        files.put("xor_delta.bin", bytes(out, 0, (FRAMES - 1) * frameBytes));
        for (int f = 1; f < FRAMES; f++) {
            b.xorMerge(key, f * frameBytes, in, (f - 1) * frameBytes, true, out, (f - 1) * frameBytes, N);
        }
        files.put("xor_merge.bin", bytes(out, 0, (FRAMES - 1) * frameBytes));

        MemorySegment params = arena.allocate(20L * BOUNDS.length);
        for (int k = 0; k < BOUNDS.length; k++) {
            QuantParams p = QuantParams.of(BOUNDS[k]);
            params.set(DOUBLE_LE, 20L * k, p.bound());
            params.set(FLOAT_LE, 20L * k + 8, p.step());
            params.set(FLOAT_LE, 20L * k + 12, p.inverse());
            params.set(FLOAT_LE, 20L * k + 16, p.accept());
        }
        files.put("quant_params.bin", bytes(params, 0, params.byteSize()));

        int cases = QUANT_CASES.length;
        MemorySegment z = arena.allocate(cases * frameBytes, 64);
        MemorySegment recon = arena.allocate(cases * frameBytes, 64);
        MemorySegment esc = arena.allocate(4L * cases);
        MemorySegment codes = arena.allocate(frameBytes, 64);
        MemorySegment packed = arena.allocate(BlockPacking.maxPackedBytes(N), 64);
        ByteArrayOutputStream packRecords = new ByteArrayOutputStream();
        MemorySegment deq = arena.allocate(2 * frameBytes, 64);
        for (int k = 0; k < BOUNDS.length; k++) {
            QuantParams p = QuantParams.of(BOUNDS[k]);
            for (int c = 0; c < cases; c++) {
                int frame = QUANT_CASES[c][0];
                int against = QUANT_CASES[c][1];
                int e = b.quantize(
                        in,
                        frame * frameBytes,
                        recon,
                        Math.max(0, against) * frameBytes,
                        against < 0,
                        p,
                        z,
                        c * frameBytes,
                        recon,
                        c * frameBytes,
                        N);
                esc.set(INT_LE, 4L * c, e);
            }
            files.put("quant_" + TAGS[k] + "_z.bin", bytes(z, 0, cases * frameBytes));
            files.put("quant_" + TAGS[k] + "_recon.f32", bytes(recon, 0, cases * frameBytes));
            files.put("quant_" + TAGS[k] + "_escapes.bin", bytes(esc, 0, 4L * cases));
            for (int c = 0; c < cases; c++) {
                packRecords.writeBytes(packRecord(b, z, c * frameBytes, packed));
            }
            if (k == 0) {
                MemorySegment.copy(dequantCodes(recon), 0, codes, INT_LE, 0, N);
                files.put("dequant_codes.bin", bytes(codes, 0, frameBytes));
            }
            deq.fill((byte) 0);
            b.dequantize(codes, 0, recon, 0, true, p, deq, 0, N);
            b.dequantize(codes, 0, recon, 0, false, p, deq, frameBytes, N);
            for (int i = 0; i < N; i++) {
                if (codes.get(INT_LE, 4L * i) == QuantParams.ESCAPE) {
                    // Escaped slots are the caller's to fill: unspecified, stored as 0.
                    deq.set(INT_LE, 4L * i, 0);
                    deq.set(INT_LE, frameBytes + 4L * i, 0);
                }
            }
            files.put("dequant_" + TAGS[k] + ".f32", bytes(deq, 0, 2 * frameBytes));
        }
        packRecords.writeBytes(packRecord(b, codes, 0, packed));
        files.put("pack.bin", packRecords.toByteArray());
        return files;
    }

    private static byte[] packRecord(Backend b, MemorySegment z, long off, MemorySegment packed) {
        int len = b.pack(z, off, N, packed, 0);
        byte[] rec = new byte[4 + len];
        MemorySegment r = MemorySegment.ofArray(rec);
        r.set(INT_LE, 0, len);
        MemorySegment.copy(packed, 0, r, 4, len);
        return rec;
    }

    /** The codec of a stream file: shape [389], stream id fixed, checksums on, KEY every 256, decide every frame. */
    static TensorCodec streamCodec(String name, Backend b) {
        TensorCodec.Builder builder = TensorCodec.builder()
                .shape(N)
                .backend(b)
                .streamId(STREAM_ID)
                .checksums(true)
                .keyInterval(256)
                .decisionInterval(1)
                .packing(name.endsWith("_dense") ? TensorCodec.Packing.DENSE : TensorCodec.Packing.FAST);
        if (name.contains("_bounded_1e-4")) {
            builder.errorBound(1e-4);
        } else {
            builder.lossless();
        }
        return builder.build();
    }

    /**
     * Every stream file, encoded by {@code b} from {@code input}: {@code NAME.bin} (the
     * delimited frames, concatenated: seq 0..2 the tensor frames, seq 3 the END frame) and {@code NAME.decoded.f32} (the encoder's
     * reconstruction of every frame: what a decoder must hand out).
     */
    static Map<String, byte[]> streams(Backend b, byte[] input, Arena arena) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        MemorySegment in = arena.allocate(input.length, 64);
        MemorySegment.copy(input, 0, in, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, input.length);
        for (String name : STREAMS) {
            TensorEncoder enc = streamCodec(name, b).newEncoder(arena);
            ByteArrayOutputStream frames = new ByteArrayOutputStream();
            ByteArrayOutputStream decoded = new ByteArrayOutputStream();
            for (int f = 0; f < FRAMES; f++) {
                int len = enc.encode(in, 4L * N * f);
                frames.writeBytes(bytes(enc.buffer(), enc.frameOffset(), len));
                decoded.writeBytes(bytes(enc.reconstruction(), 0, 4L * N));
            }
            int len = enc.end();
            frames.writeBytes(bytes(enc.buffer(), enc.frameOffset(), len));
            files.put(name + ".bin", frames.toByteArray());
            files.put(name + ".decoded.f32", decoded.toByteArray());
        }
        return files;
    }

    static byte[] bytes(MemorySegment s, long off, long len) {
        return s.asSlice(off, len).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    private static MemorySegment copy(Arena arena, MemorySegment s, long len) {
        MemorySegment c = arena.allocate(len, 64);
        MemorySegment.copy(s, 0, c, 0, len);
        return c;
    }

    /** A committed file, from the test class path. */
    static byte[] read(String name) {
        try (InputStream is = GoldenVectors.class.getResourceAsStream("/" + DIR + "/" + name)) {
            if (is == null) {
                throw new AssertionError("golden file " + name + " is missing: run GoldenVectorsWriter with " + "-D"
                        + GoldenVectorsWriter.PROPERTY + "=true");
            }
            return is.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where the writer puts the files: the source tree, not target/. */
    static Path sourceDir() {
        return Path.of(System.getProperty("basedir", "."))
                .resolve("src/test/resources")
                .resolve(DIR);
    }

    static void write(Path dir, String name, byte[] data) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve(name), data);
    }
}
