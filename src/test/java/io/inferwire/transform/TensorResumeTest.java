package io.inferwire.transform;

import static io.inferwire.memory.Layouts.FLOAT_LE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferwire.Seeds;
import io.inferwire.TestArena;
import io.inferwire.wire.FrameStreamReader;
import io.inferwire.wire.ReaderOptions;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A receiver that joins a stream at a KEY frame asked for with {@link TensorEncoder#requestKey()}
 * (resume), with a decoder that has no shape of its own and takes the rank-3 shape of the
 * KEY frame, decodes the rest exactly (lossless) or within the bound, in every mode.
 */
class TensorResumeTest {

    static List<Backend> backends() {
        return TensorCodecTest.backends();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void aShapelessDecoderJoinsAtARequestedKeyInEveryMode(Backend backend) throws Exception {
        SplittableRandom r = Seeds.random("resume at a requested KEY " + backend.name());
        int[] shape = {3, 7, 5};
        int n = 105;
        for (TensorCodec.Packing p : TensorCodec.Packing.values()) {
            for (double e : new double[] {0, 1e-3}) {
                float[][] rows = TensorStreams.make(TensorStreams.Kind.SPECIALS, 60, n, r);
                TensorCodec.Builder b = TensorCodec.builder()
                        .shape(shape)
                        .backend(backend)
                        .packing(p)
                        .keyInterval(0);
                TensorCodec codec = (e == 0 ? b.lossless() : b.errorBound(e)).build();
                try (TestArena arena = TestArena.open()) {
                    TensorEncoder enc = codec.newEncoder(arena);
                    MemorySegment in = arena.allocate(4L * n);
                    List<MemorySegment> frames = new ArrayList<>();
                    for (int f = 0; f < rows.length; f++) {
                        if (f == 30) {
                            enc.requestKey();
                        }
                        MemorySegment.copy(rows[f], 0, in, FLOAT_LE, 0, n);
                        int len = enc.encode(in, 0);
                        MemorySegment c = arena.allocate(len);
                        MemorySegment.copy(enc.buffer(), enc.frameOffset(), c, 0, len);
                        frames.add(c);
                    }
                    for (int start : new int[] {0, 30}) {
                        TensorDecoder dec =
                                TensorCodec.builder().backend(backend).build().newDecoder(arena); // no shape
                        FrameStreamReader reader = new FrameStreamReader(
                                arena, ReaderOptions.defaults().withRequireStreamStart(false));
                        MemorySegment out = arena.allocate(4L * n);
                        for (int f = start; f < rows.length; f++) {
                            reader.feed(frames.get(f));
                            assertTrue(reader.next());
                            assertEquals(
                                    n, dec.decode(reader, out, 0), p + " " + e + " start " + start + " frame " + f);
                            for (int i = 0; i < n; i++) {
                                float x = rows[f][i];
                                float y = out.get(FLOAT_LE, 4L * i);
                                if (e == 0 || !Float.isFinite(x)) {
                                    assertEquals(Float.floatToRawIntBits(x), Float.floatToRawIntBits(y));
                                } else {
                                    assertTrue(Math.abs((double) x - y) <= e);
                                }
                            }
                            assertTrue(!reader.next());
                        }
                        assertEquals(n, dec.values(), "the decoder took the KEY frame's shape [3, 7, 5]");
                    }
                }
            }
        }
    }
}
