package io.inferwire.transform;

import static io.inferwire.memory.Layouts.FLOAT_LE;
import static io.inferwire.memory.Layouts.INT_LE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferwire.TestArena;
import io.inferwire.wire.FrameStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every available backend reproduces every committed golden file bit for bit, and the
 * committed streams decode to the committed values (layout: the README in
 * {@code src/test/resources/golden/}).
 */
class GoldenVectorsTest {

    /** The factory's backends, and native-host (only pinnable) when the build made its library. */
    static List<Backend> backends() {
        List<Backend> list = new ArrayList<>(TensorCodecTest.backends());
        Backend host = Backends.named("native-host");
        if (host.isAvailable()) {
            list.add(host);
        } else {
            System.out.println("backend native-host skipped: " + host.unavailableReason());
        }
        return list;
    }

    private static MemorySegment segment(TestArena arena, byte[] bytes) {
        MemorySegment s = arena.allocate(Math.max(1, bytes.length), 64);
        MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return s.asSlice(0, bytes.length);
    }

    private static void assertSameBytes(byte[] expected, byte[] actual, String what) {
        if (expected.length != actual.length) {
            throw new AssertionError(what + ": " + actual.length + " bytes, golden file has " + expected.length);
        }
        long at = MemorySegment.ofArray(expected).mismatch(MemorySegment.ofArray(actual));
        if (at >= 0) {
            throw new AssertionError(what + " differs from the golden file at byte " + at + " (value " + at / 4
                    + " if 32-bit): expected 0x" + Integer.toHexString(expected[(int) at] & 0xFF) + ", got 0x"
                    + Integer.toHexString(actual[(int) at] & 0xFF));
        }
    }

    @Test
    void inputHoldsEverySpecial() {
        byte[] input = GoldenVectors.read("input.f32");
        assertEquals(4 * GoldenVectors.FRAMES * GoldenVectors.N, input.length);
        MemorySegment in = MemorySegment.ofArray(input);
        Set<Integer> seen = new HashSet<>();
        for (long i = 0; i < input.length; i += 4) {
            seen.add(in.get(INT_LE, i));
        }
        for (int s : GoldenVectors.specials()) {
            assertTrue(seen.contains(s), "special 0x" + Integer.toHexString(s) + " is in the input");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void everyKernelReproducesTheGoldenFiles(Backend backend) {
        byte[] input = GoldenVectors.read("input.f32");
        try (TestArena arena = TestArena.open()) {
            Map<String, byte[]> files = GoldenVectors.kernels(backend, input, arena);
            assertEquals(14, files.size());
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                assertSameBytes(GoldenVectors.read(e.getKey()), e.getValue(), backend.name() + " " + e.getKey());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void inversesUndoTheGoldenFiles(Backend backend) throws Exception {
        int n = GoldenVectors.N;
        long fb = 4L * n;
        try (TestArena arena = TestArena.open()) {
            MemorySegment in = segment(arena, GoldenVectors.read("input.f32"));
            MemorySegment key = segment(arena, GoldenVectors.read("xor_key.bin"));
            MemorySegment delta = segment(arena, GoldenVectors.read("xor_delta.bin"));
            MemorySegment out = arena.allocate(fb, 64);
            for (int f = 0; f < GoldenVectors.FRAMES; f++) {
                backend.xorMerge(key, f * fb, in, 0, false, out, 0, n);
                assertEquals(-1, out.mismatch(in.asSlice(f * fb, fb)), "merge of KEY planes, frame " + f);
                if (f > 0) {
                    backend.xorMerge(delta, (f - 1) * fb, in, (f - 1) * fb, true, out, 0, n);
                    assertEquals(-1, out.mismatch(in.asSlice(f * fb, fb)), "merge of DELTA planes, frame " + f);
                }
            }
            for (String tag : GoldenVectors.TAGS) {
                QuantParams p = QuantParams.of(Double.parseDouble(tag));
                MemorySegment z = segment(arena, GoldenVectors.read("quant_" + tag + "_z.bin"));
                MemorySegment recon = segment(arena, GoldenVectors.read("quant_" + tag + "_recon.f32"));
                MemorySegment esc = segment(arena, GoldenVectors.read("quant_" + tag + "_escapes.bin"));
                for (int c = 0; c < GoldenVectors.QUANT_CASES.length; c++) {
                    int frame = GoldenVectors.QUANT_CASES[c][0];
                    int against = GoldenVectors.QUANT_CASES[c][1];
                    // The decoder's way: dequantize in place over the reference, then the escapes' exact bits.
                    MemorySegment.copy(recon, Math.max(0, against) * fb, out, 0, fb);
                    backend.dequantize(z, c * fb, out, 0, against < 0, p, out, 0, n);
                    int escapes = 0;
                    for (int i = 0; i < n; i++) {
                        if (z.get(INT_LE, c * fb + 4L * i) == QuantParams.ESCAPE) {
                            out.set(INT_LE, 4L * i, in.get(INT_LE, frame * fb + 4L * i));
                            escapes++;
                        }
                    }
                    assertEquals(esc.get(INT_LE, 4L * c), escapes, tag + " case " + c + " escapes");
                    assertEquals(
                            -1,
                            out.mismatch(recon.asSlice(c * fb, fb)),
                            tag + " case " + c + ": dequantize + escapes differs from quantize's reconstruction");
                }
            }
            MemorySegment pack = segment(arena, GoldenVectors.read("pack.bin"));
            List<MemorySegment> sources = new ArrayList<>();
            for (String tag : GoldenVectors.TAGS) {
                MemorySegment z = segment(arena, GoldenVectors.read("quant_" + tag + "_z.bin"));
                for (int c = 0; c < GoldenVectors.QUANT_CASES.length; c++) {
                    sources.add(z.asSlice(c * fb, fb));
                }
            }
            sources.add(segment(arena, GoldenVectors.read("dequant_codes.bin")));
            long at = 0;
            for (int r = 0; r < sources.size(); r++) {
                int len = pack.get(INT_LE, at);
                assertEquals(len, backend.unpack(pack, at + 4, len, out, 0, n), "record " + r + " consumed");
                assertEquals(-1, out.mismatch(sources.get(r)), "record " + r + " unpacks to its codes");
                at += 4 + len;
            }
            assertEquals(pack.byteSize(), at, "pack.bin holds " + sources.size() + " records");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void theEncoderReproducesTheGoldenStreams(Backend backend) {
        byte[] input = GoldenVectors.read("input.f32");
        try (TestArena arena = TestArena.open()) {
            Map<String, byte[]> files = GoldenVectors.streams(backend, input, arena);
            assertEquals(2 * GoldenVectors.STREAMS.size(), files.size());
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                assertSameBytes(GoldenVectors.read(e.getKey()), e.getValue(), backend.name() + " " + e.getKey());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void theGoldenStreamsDecodeToTheGoldenValues(Backend backend) throws Exception {
        int n = GoldenVectors.N;
        long fb = 4L * n;
        byte[] inputBytes = GoldenVectors.read("input.f32");
        for (String name : GoldenVectors.STREAMS) {
            try (TestArena arena = TestArena.open()) {
                MemorySegment stream = segment(arena, GoldenVectors.read(name + ".bin"));
                MemorySegment expected = segment(arena, GoldenVectors.read(name + ".decoded.f32"));
                MemorySegment in = segment(arena, inputBytes);
                TensorDecoder dec =
                        TensorCodec.builder().shape(n).backend(backend).build().newDecoder(arena);
                FrameStreamReader reader = new FrameStreamReader(arena);
                reader.feed(stream);
                MemorySegment out = arena.allocate(fb, 64);
                List<String> kinds = new ArrayList<>();
                int f = 0;
                while (reader.next()) {
                    assertEquals(GoldenVectors.STREAM_ID, reader.frame().streamId());
                    assertEquals(f, reader.frame().seq());
                    if (f == GoldenVectors.FRAMES) {
                        assertEquals("FRAME_KIND_END", reader.frame().kind().name());
                        assertEquals(-1, dec.decode(reader, out, 0));
                        f++;
                        continue;
                    }
                    assertTrue(reader.frame().hasChecksum(), "checksums are on");
                    kinds.add(reader.frame().kind().name().substring("FRAME_KIND_".length()));
                    assertEquals(n, dec.decode(reader, out, 0));
                    assertEquals(-1, out.mismatch(expected.asSlice(f * fb, fb)), name + " frame " + f);
                    for (int i = 0; i < n; i++) {
                        int x = in.get(INT_LE, f * fb + 4L * i);
                        int y = out.get(INT_LE, 4L * i);
                        float xf = Float.intBitsToFloat(x);
                        if (name.contains("lossless") || !Float.isFinite(xf)) {
                            assertEquals(x, y, name + " frame " + f + " value " + i + " is bit-exact");
                        } else {
                            double err = Math.abs((double) xf - out.get(FLOAT_LE, 4L * i));
                            assertTrue(err <= 1e-4, name + " frame " + f + " value " + i + " error " + err);
                        }
                    }
                    f++;
                }
                reader.finish();
                assertEquals(GoldenVectors.FRAMES + 1, f, name + " frames, END included");
                // The kinds the README lists: a change here is a change in the encoder's choices.
                assertEquals(List.of("KEY", "DELTA", "DELTA"), kinds, name + " frame kinds");
                System.out.println(backend.name() + " " + name + ": " + stream.byteSize() + " bytes, " + kinds);
                assertFalse(reader.framingLost());
            }
        }
    }
}
