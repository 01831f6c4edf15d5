package io.inferwire.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferwire.Seeds;
import io.inferwire.StreamException;
import io.inferwire.TestArena;
import io.inferwire.proto.v1.FrameKind;
import io.inferwire.proto.v1.Transform;
import io.inferwire.wire.FrameEncoder;
import io.inferwire.wire.FrameStreamReader;
import io.inferwire.wire.FrameView;
import io.inferwire.wire.ReaderOptions;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Regression tests for bugs found in review of the tensor codec. */
class ReviewFindingsTest {

    /** Encodes one frame with a raw payload and parses it back (no checksum). */
    static FrameView craft(
            FrameEncoder fe, FrameView v, FrameKind kind, long seq, double e, int[] shape, int t, byte[] payload)
            throws StreamException {
        int len = fe.encode(0, seq, kind, e, shape, t, MemorySegment.ofArray(payload), 0, payload.length);
        MemorySegment b = fe.buffer();
        long off = fe.frameOffset();
        int prefix = 1;
        while (b.get(ValueLayout.JAVA_BYTE, off + prefix - 1) < 0) {
            prefix++;
        }
        return v.wrap(b, off + prefix, len - prefix);
    }

    /**
     * A decoder without a fixed shape allocated new buffers from its arena on every KEY
     * frame that changed the number of values, and never reused them: a stream that
     * alternates two shapes (even with frames that are then rejected) grew the arena
     * without bound.
     */
    @Test
    void keyFramesAlternatingShapesDoNotGrowTheArena() throws StreamException {
        int max = 4096;
        try (TestArena arena = TestArena.open();
                TestArena decArena = TestArena.open()) {
            FrameEncoder fe = new FrameEncoder(arena, 4 * max, FrameEncoder.Compression.NONE, false);
            TensorDecoder dec = TensorCodec.builder()
                    .maxValues(max)
                    .backend(Backends.scalar())
                    .build()
                    .newDecoder(decArena);
            MemorySegment out = arena.allocate(4L * max);
            FrameView v = new FrameView();
            for (int i = 0; i < 200; i++) {
                int n = i % 2 == 0 ? max : max - 1;
                boolean bogus = i % 4 >= 2; // every other pair is rejected after its shape is read
                byte[] payload = new byte[bogus ? 3 : 4 * n];
                int transform = i % 8 < 4
                        ? Transform.TRANSFORM_XOR_PLANES_VALUE
                        : Transform.TRANSFORM_QUANT_CODED_VALUE; // the coded one also builds a coder
                FrameView f = craft(fe, v, FrameKind.FRAME_KIND_KEY, i, 1e-3, new int[] {n}, transform, payload);
                try {
                    assertEquals(n, dec.decode(f, f.segment(), f.payloadOffset(), f.payloadLength(), out, 0));
                } catch (StreamException rejected) {
                    assertTrue(bogus || transform == Transform.TRANSFORM_QUANT_CODED_VALUE, rejected.toString());
                }
            }
            // Two buffers and a running mean of at most twice the largest shape.
            assertTrue(
                    decArena.allocated() <= 3 * 2 * 4L * max,
                    "decoder arena grew to " + decArena.allocated() + " bytes for frames of " + max + " values");
        }
    }

    /** After the buffers are reused, a KEY frame of a smaller shape still decodes, and DELTA frames follow it. */
    @Test
    void shrinkingShapeStillRoundTrips() throws StreamException {
        try (TestArena arena = TestArena.open()) {
            TensorDecoder dec = TensorCodec.builder().build().newDecoder(arena);
            MemorySegment out = arena.allocate(4L * 100);
            FrameView v = new FrameView();
            for (TensorCodec.Packing packing : TensorCodec.Packing.values()) {
                for (int n : new int[] {100, 37, 100, 5}) {
                    TensorCodec codec = TensorCodec.builder()
                            .shape(n)
                            .errorBound(1e-3)
                            .packing(packing)
                            .checksums(false)
                            .backend(Backends.scalar())
                            .build();
                    TensorEncoder enc = codec.newEncoder(arena);
                    MemorySegment in = arena.allocate(4L * n);
                    FrameStreamReader reader = new FrameStreamReader(
                            arena, ReaderOptions.defaults().withRequireChecksum(false));
                    for (int frame = 0; frame < 4; frame++) {
                        for (int i = 0; i < n; i++) {
                            in.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) Math.sin(i + frame * 0.01));
                        }
                        enc.encode(in, 0);
                        reader.feed(enc.buffer().asSlice(enc.frameOffset(), enc.frameLength()));
                        assertTrue(reader.next());
                        assertEquals(n, dec.decode(reader, out, 0));
                        assertEquals(
                                -1,
                                out.asSlice(0, 4L * n)
                                        .mismatch(enc.reconstruction().asSlice(0, 4L * n)),
                                "n=" + n + " frame " + frame + " " + packing);
                    }
                }
            }
        }
    }

    /**
     * Frames that pass the reader's checks (no checksum required) with any transform,
     * bound, shape and payload bytes end in a {@link StreamException} or in values,
     * never in another exception.
     */
    @Test
    void craftedFramesEndInStreamExceptions() throws Exception {
        SplittableRandom r = Seeds.random("crafted tensor frames");
        for (Backend be : new Backend[] {Backends.scalar(), Backends.get()}) {
            try (TestArena arena = TestArena.open()) {
                FrameEncoder fe = new FrameEncoder(arena, 1 << 16, FrameEncoder.Compression.NONE, false);
                TensorDecoder dec = TensorCodec.builder()
                        .maxValues(5000)
                        .backend(be)
                        .build()
                        .newDecoder(arena);
                MemorySegment out = arena.allocate(4L * 5000);
                FrameView v = new FrameView();
                long seq = 0;
                for (int it = 0; it < 20000; it++) {
                    boolean key = r.nextInt(3) == 0;
                    int[] shape;
                    int n;
                    if (r.nextInt(4) == 0 && !key) {
                        shape = new int[0];
                        n = Math.max(dec.values(), 1);
                    } else {
                        n = 1 + r.nextInt(r.nextBoolean() ? 40 : 300);
                        shape = new int[] {n};
                    }
                    int t = r.nextInt(6);
                    double e = switch (r.nextInt(5)) {
                        case 0 -> 0;
                        case 1 -> 1e-3;
                        case 2 -> r.nextDouble() * 1e30;
                        case 3 -> Math.abs(Double.longBitsToDouble(r.nextLong() & 0x7fefffffffffffffL));
                        default -> 1e-4;
                    };
                    int plen = switch (r.nextInt(4)) {
                        case 0 -> 4 * n;
                        case 1 -> r.nextInt(16);
                        case 2 -> (n + 15) / 16 + r.nextInt(4 * n + 1);
                        default -> r.nextInt(12 * n + 8);
                    };
                    byte[] p = new byte[plen];
                    int style = r.nextInt(4);
                    for (int i = 0; i < plen; i++) {
                        p[i] = switch (style) {
                            case 0 -> (byte) r.nextInt();
                            case 1 -> 0;
                            case 2 -> (byte) (r.nextInt(8) == 0 ? r.nextInt() : 0);
                            default -> (byte) (i < (n + 15) / 16 ? r.nextInt(26) : r.nextInt());
                        };
                    }
                    if (r.nextInt(10) != 0) seq++;
                    FrameView f = craft(
                            fe, v, key ? FrameKind.FRAME_KIND_KEY : FrameKind.FRAME_KIND_DELTA, seq, e, shape, t, p);
                    try {
                        dec.decode(f, f.segment(), f.payloadOffset(), f.payloadLength(), out, 0);
                    } catch (StreamException ok) {
                        // fine
                    } catch (RuntimeException bad) {
                        throw new AssertionError(
                                "it " + it + " key=" + key + " n=" + n + " t=" + t + " e=" + e + " plen=" + plen, bad);
                    }
                }
            }
        }
    }

    /**
     * A KEY frame chosen by the KEY-or-DELTA decision reset the decision cadence, so on
     * a stream of independent rows (where KEY always wins) every frame ran the trial:
     * two quantize + pack passes (or two XOR splits and two LZ4 probes) per frame,
     * whatever the decision interval.
     */
    @Test
    void decidedKeyFramesKeepTheDecisionInterval() {
        Backend scalar = Backends.scalar();
        int[] calls = new int[1];
        Backend counting = (Backend) java.lang.reflect.Proxy.newProxyInstance(
                Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (proxy, m, args) -> {
                    if (m.getName().equals("quantize") || m.getName().equals("xorSplit")) {
                        calls[0]++;
                    }
                    try {
                        return m.invoke(scalar, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        SplittableRandom r = Seeds.random("decided KEY frames");
        for (boolean lossless : new boolean[] {false, true}) {
            try (TestArena arena = TestArena.open()) {
                int n = 384;
                int frames = 160;
                TensorCodec.Builder b =
                        TensorCodec.builder().shape(n).decisionInterval(16).backend(counting);
                if (!lossless) {
                    b.errorBound(1e-4);
                }
                TensorEncoder enc = b.build().newEncoder(arena);
                MemorySegment in = arena.allocate(4L * n);
                calls[0] = 0;
                for (int f = 0; f < frames; f++) {
                    for (int i = 0; i < n; i++) {
                        in.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) (r.nextGaussian() * 0.05));
                    }
                    enc.encode(in, 0);
                }
                // One pass per frame, two on every 16th.
                assertTrue(
                        calls[0] <= frames + frames / 16 + 1,
                        (lossless ? "lossless" : "bounded") + ": " + calls[0] + " kernel passes for " + frames
                                + " frames");
            }
        }
    }

    /**
     * The decoder ignored stream ids: with two streams of one shape in one byte stream
     * (what {@code decode} on the command line reads), a DELTA frame of stream A that
     * came right after a KEY frame of stream B passed the sequence check (B's KEY has
     * seq 0, A's DELTA seq 1) and was applied to B's reconstruction: wrong values, no
     * error.
     */
    @Test
    void deltaFrameOfAnotherStreamIsRejected() throws StreamException {
        SplittableRandom r = Seeds.random("two streams");
        int n = 64;
        try (TestArena arena = TestArena.open()) {
            TensorEncoder a = TensorCodec.builder().shape(n).streamId(1).build().newEncoder(arena);
            TensorEncoder b = TensorCodec.builder().shape(n).streamId(2).build().newEncoder(arena);
            TensorDecoder dec = TensorCodec.builder().build().newDecoder(arena);
            FrameStreamReader reader = new FrameStreamReader(arena);
            MemorySegment row = arena.allocate(4L * n);
            MemorySegment out = arena.allocate(4L * n);
            float[] base = TensorStreams.gaussian(n, r, 0.05);
            MemorySegment.copy(base, 0, row, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, n);
            TensorEncoder[] order = {a, b, a};
            for (int k = 0; k < order.length; k++) {
                TensorEncoder enc = order[k];
                if (k == 1) {
                    MemorySegment.copy(
                            TensorStreams.gaussian(n, r, 0.05), 0, row, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, n);
                } else if (k == 2) {
                    MemorySegment.copy(base, 0, row, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, n);
                    row.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 3, 1f);
                }
                int len = enc.encode(row, 0);
                assertEquals(
                        k < 2 ? FrameKind.FRAME_KIND_KEY : FrameKind.FRAME_KIND_DELTA, enc.lastKind(), "frame " + k);
                reader.feed(enc.buffer().asSlice(enc.frameOffset(), len));
                assertTrue(reader.next());
                try {
                    assertEquals(n, dec.decode(reader, out, 0));
                } catch (StreamException e) {
                    assertEquals(2, k, "only the DELTA frame of the other stream may be rejected: " + e);
                    continue;
                }
                assertEquals(
                        -1,
                        out.asSlice(0, 4L * n).mismatch(enc.reconstruction().asSlice(0, 4L * n)),
                        "frame " + k + " decodes to its encoder's reconstruction");
            }
        }
    }
}
