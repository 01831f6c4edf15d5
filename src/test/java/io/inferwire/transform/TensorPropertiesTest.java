package io.inferwire.transform;

import static io.inferwire.memory.Layouts.FLOAT_LE;
import static io.inferwire.memory.Layouts.INT_LE;

import io.inferwire.CorruptFrameException;
import io.inferwire.StreamException;
import io.inferwire.TestArena;
import io.inferwire.transform.internal.BlockPacking;
import io.inferwire.wire.FrameStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Properties of the tensor transforms, with jqwik (which prints its seed on failure;
 * the arrays are built from a generated {@code long} seed, so a shrunk counterexample
 * replays exactly):
 *
 * <ul>
 *   <li>every available backend's every kernel gives the scalar oracle's bytes, on
 *       random and adversarial arrays of 1..2000 values at any byte offset, native or
 *       heap;
 *   <li>over long random and adversarial streams, every error-bounded value decoded
 *       is within the bound (in double) and NaN/Inf come back bit-exact, FAST and DENSE;
 *   <li>lossless streams come back bit-exact.
 * </ul>
 */
class TensorPropertiesTest {

    /** How an array of values is made. */
    enum Kind {
        GAUSSIAN,
        SPECIALS,
        HUGE,
        TINY,
        CONSTANT,
        ALTERNATING,
        BITS,
        NEAR_PREV,
        EDGES
    }

    private static final int[] SPECIAL_BITS = {
        0x7fc00000, 0x7fc00001, 0x7fa5a5a5, 0xffc12345, 0xff800001, 0x7fffffff, 0xffffffff, // NaNs
        0x7f800000, 0xff800000, 0x00000000, 0x80000000, 0x00000001, 0x807fffff, 0x00400000,
        0x00800000, 0x7f7fffff, 0xff7fffff
    };

    private static List<Backend> available() {
        List<Backend> list = new ArrayList<>();
        for (Backend b : Backends.all()) {
            if (b.isAvailable()) {
                list.add(b);
            }
        }
        return list;
    }

    @Provide
    Arbitrary<Backend> backends() {
        return Arbitraries.of(available());
    }

    /** A bound in [1e-6, 1], log-uniform; one time in ten anywhere in float32's legal range (1e-38 .. 1e38). */
    static double bound(SplittableRandom r) {
        return r.nextInt(10) == 0 ? Math.pow(10, -37.9 + 75.9 * r.nextDouble()) : Math.pow(10, -6 + 6 * r.nextDouble());
    }

    static float special(SplittableRandom r) {
        return r.nextInt(4) == 0
                ? Float.intBitsToFloat((r.nextBoolean() ? 0x7f800001 : 0xff800001) + r.nextInt(0x7fffff))
                : Float.intBitsToFloat(SPECIAL_BITS[r.nextInt(SPECIAL_BITS.length)]);
    }

    /** {@code n} values of {@code kind}; {@code NEAR_PREV} sits within a random multiple of the step of {@code prev}. */
    static float[] values(Kind kind, int n, SplittableRandom r, float[] prev, double e) {
        float[] v = new float[n];
        float a = (float) (r.nextGaussian() * 0.1);
        float b = (float) (r.nextGaussian() * 1e3);
        double scale = Math.pow(10, -2 + 10 * r.nextDouble()) * e; // residuals up to ~1e8 steps: past Q_LIMIT
        for (int i = 0; i < n; i++) {
            v[i] = switch (kind) {
                case GAUSSIAN -> (float) (r.nextGaussian() * 0.05);
                case SPECIALS -> r.nextInt(5) == 0 ? special(r) : (float) (r.nextGaussian() * 0.05);
                case HUGE -> (float) (r.nextGaussian() * Math.pow(10, 20 + 18 * r.nextDouble()));
                case TINY -> Float.intBitsToFloat(r.nextInt(0x01000000)) * (r.nextBoolean() ? 1 : -1);
                case CONSTANT -> a;
                case ALTERNATING -> i % 2 == 0 ? a : b;
                case BITS -> Float.intBitsToFloat(r.nextInt());
                case NEAR_PREV -> prev[i] + (float) (r.nextGaussian() * scale);
                case EDGES -> edge(QuantParams.of(e), prev == null || r.nextBoolean() ? 0f : prev[i], r);
            };
        }
        return v;
    }

    /**
     * A value on an edge of the quantizer over prediction {@code ref} (0 for intra):
     * {@code t} exactly at {@code ±Q_LIMIT} or just inside, {@code t} on a rounding tie,
     * or an error of exactly {@code accept} or one float more.
     */
    static float edge(QuantParams p, float ref, SplittableRandom r) {
        float lim = QuantParams.Q_LIMIT;
        float sign = r.nextBoolean() ? 1f : -1f;
        float x = switch (r.nextInt(4)) {
            case 0 -> GoldenVectors.exactT(p, ref, sign * lim);
            case 1 -> GoldenVectors.exactT(p, ref, sign * Math.nextDown(lim));
            case 2 -> GoldenVectors.exactT(p, ref, r.nextInt(-(1 << 21), 1 << 21) + 0.5f);
            default -> GoldenVectors.acceptEdge(p, ref, r.nextInt(-1000, 1001), r.nextBoolean());
        };
        return Float.isNaN(x) ? ref : x;
    }

    /** A segment of {@code bytes} at byte offset {@code at}: native or heap ({@code byte[]}). */
    private static MemorySegment segment(TestArena arena, long bytes, long at, boolean heap, SplittableRandom fill) {
        MemorySegment s = heap ? MemorySegment.ofArray(new byte[(int) (bytes + at)]) : arena.allocate(bytes + at, 64);
        for (long i = 0; i < s.byteSize(); i++) {
            s.set(ValueLayout.JAVA_BYTE, i, (byte) fill.nextInt());
        }
        return s;
    }

    private static void put(MemorySegment s, long at, float[] v) {
        for (int i = 0; i < v.length; i++) {
            s.set(INT_LE, at + 4L * i, Float.floatToRawIntBits(v[i]));
        }
    }

    private static void same(MemorySegment expected, MemorySegment actual, long at, long bytes, String what) {
        long m = expected.asSlice(at, bytes).mismatch(actual.asSlice(at, bytes));
        if (m >= 0) {
            throw new AssertionError(what + " differs from the scalar oracle at byte " + m + " (value " + m / 4
                    + "): expected 0x" + Integer.toHexString(expected.get(ValueLayout.JAVA_BYTE, at + m) & 0xFF)
                    + ", got 0x" + Integer.toHexString(actual.get(ValueLayout.JAVA_BYTE, at + m) & 0xFF));
        }
    }

    @Property(tries = 200)
    void everyKernelOfEveryBackendMatchesTheOracle(
            @ForAll Kind xKind,
            @ForAll Kind prevKind,
            @ForAll @IntRange(min = 1, max = 2000) int n,
            @ForAll @IntRange(min = 0, max = 31) int at,
            @ForAll long seed)
            throws CorruptFrameException {
        Backend oracle = Backends.scalar();
        SplittableRandom r = new SplittableRandom(seed);
        double e = bound(r);
        QuantParams p = QuantParams.of(e);
        float[] prev = values(prevKind == Kind.NEAR_PREV ? Kind.GAUSSIAN : prevKind, n, r, null, e);
        float[] x = values(xKind, n, r, prev, e);
        long fb = 4L * n;
        long packMax = BlockPacking.maxPackedBytes(n);
        int heapMask = r.nextInt(8) == 0 ? r.nextInt(1 << 7) : 0; // mostly native: the vector kernels' path
        long fillSeed = r.nextLong();
        try (TestArena arena = TestArena.open()) {
            for (Backend b : available()) {
                String tag = b.name() + " n=" + n + " at=" + at + " e=" + e + " " + xKind + "/" + prevKind;
                // Twin segments for oracle (o*) and backend (b*), the same garbage in both.
                // 0 x, 1 prev, 2 planes, 3 codes, 4 next, 5 packed, 6 arbitrary plane bytes.
                MemorySegment[] o = new MemorySegment[7];
                MemorySegment[] s = new MemorySegment[7];
                long[] sizes = {fb, fb, 4 * fb, fb, fb, packMax, 4 * fb};
                for (int k = 0; k < 7; k++) {
                    boolean heap = (heapMask >>> k & 1) != 0;
                    o[k] = segment(arena, sizes[k], at, heap, new SplittableRandom(fillSeed + k));
                    s[k] = segment(arena, sizes[k], at, heap, new SplittableRandom(fillSeed + k));
                }
                for (MemorySegment[] t : List.of(o, s)) {
                    put(t[0], at, x);
                    put(t[1], at, prev);
                }
                for (boolean ref : new boolean[] {false, true}) {
                    oracle.xorSplit(o[0], at, o[1], at, ref, o[2], at, n);
                    b.xorSplit(s[0], at, s[1], at, ref, s[2], at, n);
                    same(o[2], s[2], at, 4 * fb, tag + " xorSplit(ref=" + ref + ")");
                    oracle.xorMerge(o[6], at, o[1], at, ref, o[3], at, n);
                    b.xorMerge(s[6], at, s[1], at, ref, s[3], at, n);
                    same(o[3], s[3], at, fb, tag + " xorMerge(arbitrary planes, ref=" + ref + ")");
                    b.xorMerge(s[2], at, s[1], at, ref, s[3], at, n);
                    same(o[0], s[3], at, fb, tag + " xorMerge(xorSplit(x)) == x (ref=" + ref + ")");
                }
                for (boolean intra : new boolean[] {true, false}) {
                    int eo = oracle.quantize(o[0], at, o[1], at, intra, p, o[3], at, o[4], at, n);
                    int es = b.quantize(s[0], at, s[1], at, intra, p, s[3], at, s[4], at, n);
                    if (eo != es) {
                        throw new AssertionError(
                                tag + " quantize(intra=" + intra + ") escapes " + es + ", oracle " + eo);
                    }
                    same(o[3], s[3], at, fb, tag + " quantize(intra=" + intra + ") codes");
                    same(o[4], s[4], at, fb, tag + " quantize(intra=" + intra + ") reconstruction");
                    // The decoder's half: dequantize over prev; escaped slots are the caller's.
                    MemorySegment.copy(o[4], at, s[4], at, fb);
                    b.dequantize(s[3], at, s[1], at, intra, p, s[4], at, n);
                    oracle.dequantize(o[3], at, o[1], at, intra, p, o[4], at, n);
                    for (int i = 0; i < n; i++) {
                        if (o[3].get(INT_LE, at + 4L * i) != QuantParams.ESCAPE
                                && o[4].get(INT_LE, at + 4L * i) != s[4].get(INT_LE, at + 4L * i)) {
                            throw new AssertionError(tag + " dequantize(intra=" + intra + ") differs at value " + i);
                        }
                    }
                    // In place (next == prev), as the encoder may call it.
                    MemorySegment.copy(o[1], at, o[4], at, fb);
                    MemorySegment.copy(s[1], at, s[4], at, fb);
                    int io = oracle.quantize(o[0], at, o[4], at, intra, p, o[3], at, o[4], at, n);
                    int is = b.quantize(s[0], at, s[4], at, intra, p, s[3], at, s[4], at, n);
                    if (io != is || io != eo) {
                        throw new AssertionError(tag + " in-place quantize escapes " + is + "/" + io + "/" + eo);
                    }
                    same(o[4], s[4], at, fb, tag + " in-place quantize(intra=" + intra + ")");
                }
                // Arbitrary codes (< 2^24) per block width, dequantized against prev, packed, unpacked.
                SplittableRandom cr = new SplittableRandom(fillSeed);
                for (int i = 0; i < n; i += BlockPacking.BLOCK) {
                    int w = cr.nextInt(BlockPacking.MAX_WIDTH + 1);
                    for (int k = i; k < Math.min(n, i + BlockPacking.BLOCK); k++) {
                        int code = w == 0 ? 0 : cr.nextInt(1 << w);
                        o[3].set(INT_LE, at + 4L * k, code);
                        s[3].set(INT_LE, at + 4L * k, code);
                    }
                }
                for (boolean intra : new boolean[] {true, false}) {
                    oracle.dequantize(o[3], at, o[1], at, intra, p, o[4], at, n);
                    b.dequantize(s[3], at, s[1], at, intra, p, s[4], at, n);
                    for (int i = 0; i < n; i++) {
                        int code = o[3].get(INT_LE, at + 4L * i);
                        int eb = o[4].get(INT_LE, at + 4L * i);
                        int ab = s[4].get(INT_LE, at + 4L * i);
                        if (code != QuantParams.ESCAPE && eb != ab) {
                            throw new AssertionError(tag + " dequantize(intra=" + intra + ") of code " + code
                                    + " over " + o[1].get(FLOAT_LE, at + 4L * i) + " at value " + i + ": 0x"
                                    + Integer.toHexString(ab) + ", oracle 0x" + Integer.toHexString(eb));
                        }
                    }
                }
                int lo = oracle.pack(o[3], at, n, o[5], at);
                int ls = b.pack(s[3], at, n, s[5], at);
                if (lo != ls) {
                    throw new AssertionError(tag + " pack wrote " + ls + " bytes, oracle " + lo);
                }
                same(o[5], s[5], at, lo, tag + " pack");
                if (b.unpack(s[5], at, ls, s[4], at, n) != ls) {
                    throw new AssertionError(tag + " unpack did not consume what pack wrote");
                }
                same(o[3], s[4], at, fb, tag + " unpack(pack(z)) == z");
            }
        }
    }

    /** A stream generator: frames of {@code n} values whose changes are scaled to the bound. */
    static float[][] stream(Kind kind, int frames, int n, double e, SplittableRandom r) {
        float[][] rows = new float[frames][];
        float[] base = values(Kind.GAUSSIAN, n, r, null, e);
        float[] alt = values(Kind.GAUSSIAN, n, r, null, e);
        double drift = Math.pow(10, -2 + 4 * r.nextDouble()) * e; // per-frame change: 0.01e .. 100e
        for (int f = 0; f < frames; f++) {
            float[] row;
            switch (kind) {
                case NEAR_PREV -> {
                    for (int i = 0; i < n; i++) {
                        base[i] += (float) (r.nextGaussian() * drift);
                    }
                    row = base.clone();
                }
                case ALTERNATING -> row = (f % 2 == 0 ? base : alt).clone();
                case CONSTANT -> row = base.clone();
                case SPECIALS -> {
                    for (int i = 0; i < n; i++) {
                        base[i] += (float) (r.nextGaussian() * drift);
                    }
                    row = base.clone();
                    for (int i = 0; i < n; i++) {
                        if (r.nextInt(8) == 0) {
                            row[i] = special(r);
                        }
                    }
                }
                default -> row = values(kind, n, r, base, e);
            }
            rows[f] = row;
        }
        return rows;
    }

    /** Encodes and decodes {@code rows}, requesting KEY frames at random; returns the decoded rows. */
    static float[][] roundTrip(TensorCodec codec, float[][] rows, SplittableRandom r) throws StreamException {
        int n = codec.values();
        float[][] out = new float[rows.length][n];
        try (TestArena arena = TestArena.open()) {
            TensorEncoder enc = codec.newEncoder(arena);
            TensorDecoder dec = TensorCodec.builder()
                    .shape(n)
                    .backend(codec.backend())
                    .build()
                    .newDecoder(arena);
            FrameStreamReader reader = new FrameStreamReader(arena);
            // The caller's segments: native or heap (float[]), at any byte offset.
            boolean heapIn = r.nextInt(4) == 0;
            long inAt = heapIn ? 4L * r.nextInt(4) : r.nextInt(16);
            long outAt = r.nextInt(16);
            MemorySegment in = heapIn ? MemorySegment.ofArray(new float[n + 4]) : arena.allocate(4L * n + inAt);
            MemorySegment o = r.nextInt(4) == 0
                    ? MemorySegment.ofArray(new byte[(int) (4L * n + outAt)])
                    : arena.allocate(4L * n + outAt);
            MemorySegment frame = arena.allocate(enc.buffer().byteSize());
            for (int f = 0; f < rows.length; f++) {
                if (r.nextInt(50) == 0) {
                    enc.requestKey();
                }
                MemorySegment.copy(rows[f], 0, in, FLOAT_LE, inAt, n);
                int len = enc.encode(in, inAt);
                MemorySegment.copy(enc.buffer(), enc.frameOffset(), frame, 0, len);
                reader.feed(frame.asSlice(0, len));
                if (!reader.next() || dec.decode(reader, o, outAt) != n || reader.next()) {
                    throw new AssertionError("frame " + f + " did not decode as one tensor frame");
                }
                long m = o.asSlice(outAt, 4L * n).mismatch(enc.reconstruction());
                if (m >= 0) {
                    throw new AssertionError("frame " + f + ": decoder differs from the encoder's reconstruction");
                }
                MemorySegment.copy(o, FLOAT_LE, outAt, out[f], 0, n);
            }
        }
        return out;
    }

    @Property(tries = 150)
    void errorBoundedStreamsStayWithinTheBound(
            @ForAll("backends") Backend backend,
            @ForAll Kind kind,
            @ForAll TensorCodec.Packing packing,
            @ForAll @IntRange(min = 100, max = 400) int frames,
            @ForAll @IntRange(min = 1, max = 300) int n,
            @ForAll @IntRange(min = 0, max = 64) int keyInterval,
            @ForAll @IntRange(min = 1, max = 20) int decisionInterval,
            @ForAll long seed)
            throws StreamException {
        SplittableRandom r = new SplittableRandom(seed);
        double e = bound(r);
        float[][] rows = stream(kind, frames, n, e, r);
        TensorCodec codec = TensorCodec.builder()
                .shape(n)
                .errorBound(e)
                .packing(packing)
                .backend(backend)
                .keyInterval(keyInterval)
                .decisionInterval(decisionInterval)
                .build();
        float[][] got = roundTrip(codec, rows, r);
        for (int f = 0; f < frames; f++) {
            for (int i = 0; i < n; i++) {
                float x = rows[f][i];
                float y = got[f][i];
                if (!Float.isFinite(x)) {
                    if (Float.floatToRawIntBits(x) != Float.floatToRawIntBits(y)) {
                        throw new AssertionError(codec + " frame " + f + " value " + i + ": special 0x"
                                + Integer.toHexString(Float.floatToRawIntBits(x)) + " came back as 0x"
                                + Integer.toHexString(Float.floatToRawIntBits(y)));
                    }
                } else {
                    double err = Math.abs((double) x - (double) y);
                    if (!(err <= e)) {
                        throw new AssertionError(codec + " frame " + f + " value " + i + ": " + x + " came back as " + y
                                + ", error " + err + " > " + e);
                    }
                }
            }
        }
    }

    @Property(tries = 60)
    void losslessStreamsAreBitExact(
            @ForAll("backends") Backend backend,
            @ForAll Kind kind,
            @ForAll TensorCodec.Packing packing,
            @ForAll @IntRange(min = 100, max = 300) int frames,
            @ForAll @IntRange(min = 1, max = 300) int n,
            @ForAll @IntRange(min = 0, max = 64) int keyInterval,
            @ForAll @IntRange(min = 1, max = 20) int decisionInterval,
            @ForAll long seed)
            throws StreamException {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] rows = stream(kind, frames, n, 1e-4, r);
        TensorCodec codec = TensorCodec.builder()
                .shape(n)
                .lossless()
                .packing(packing)
                .backend(backend)
                .keyInterval(keyInterval)
                .decisionInterval(decisionInterval)
                .build();
        float[][] got = roundTrip(codec, rows, r);
        for (int f = 0; f < frames; f++) {
            for (int i = 0; i < n; i++) {
                int x = Float.floatToRawIntBits(rows[f][i]);
                int y = Float.floatToRawIntBits(got[f][i]);
                if (x != y) {
                    throw new AssertionError(codec + " frame " + f + " value " + i + ": 0x" + Integer.toHexString(x)
                            + " came back as 0x" + Integer.toHexString(y));
                }
            }
        }
    }
}
