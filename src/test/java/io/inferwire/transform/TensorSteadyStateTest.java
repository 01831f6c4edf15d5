package io.inferwire.transform;

import static io.inferwire.memory.Layouts.FLOAT_LE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferwire.Seeds;
import io.inferwire.TestArena;
import io.inferwire.wire.FrameStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Encoding and decoding a tensor stream allocate no native memory per frame, and (after
 * warm-up) next to no heap: the budget is 64 B per frame. The benchmark measures the
 * real figure with -prof gc; this guards against a per-frame allocation creeping in.
 */
class TensorSteadyStateTest {

    static final int BUDGET = 64;
    static final int MAX_PASSES = 8;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"0, FAST", "1e-4, FAST", "0, DENSE", "1e-4, DENSE"})
    void noGrowthPerFrame(double bound, TensorCodec.Packing packing) throws Exception {
        SplittableRandom r = Seeds.random("tensor steady state " + bound + " " + packing);
        int n = 384;
        int rows = 64;
        TensorCodec.Builder b = TensorCodec.builder().shape(n).packing(packing).keyInterval(50);
        TensorCodec codec = (bound == 0 ? b.lossless() : b.errorBound(bound)).build();
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (TestArena arena = TestArena.open()) {
            MemorySegment data = arena.allocate(4L * n * rows);
            float[] walk = TensorStreams.gaussian(n, r, 0.05);
            for (int f = 0; f < rows; f++) {
                for (int i = 0; i < n; i++) {
                    walk[i] += (float) (r.nextGaussian() * (f % 8 == 0 ? 0.05 : 1e-3));
                    data.set(FLOAT_LE, 4L * (f * n + i), walk[i]);
                }
            }
            TensorEncoder enc = codec.newEncoder(arena);
            int frames = 20_000;
            MemorySegment stream = arena.allocate((long) frames * enc.buffer().byteSize());
            long[] heap = new long[2];
            long at = 0;
            long nativeBefore = 0;
            // Steady state means after the JIT has compiled the kernels (until then the
            // Vector API boxes its vectors on the heap): passes repeat until one stays
            // within budget, at most MAX_PASSES.
            int encodePasses = 0;
            for (int pass = 0; pass < MAX_PASSES; pass++) {
                encodePasses++;
                enc = codec.newEncoder(arena); // a fresh stream: seq 0, KEY first
                at = 0;
                nativeBefore = arena.allocated();
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int f = 0; f < frames; f++) {
                    int len = enc.encode(data, 4L * n * (f % rows));
                    MemorySegment.copy(enc.buffer(), enc.frameOffset(), stream, at, len);
                    at += len;
                }
                heap[0] = threads.getCurrentThreadAllocatedBytes() - before;
                if (pass > 0 && heap[0] <= BUDGET * frames) {
                    break;
                }
            }
            assertEquals(nativeBefore, arena.allocated(), "native allocations while encoding");
            MemorySegment out = arena.allocate(4L * n);
            int decodePasses = 0;
            for (int pass = 0; pass < MAX_PASSES; pass++) {
                decodePasses++;
                try (TestArena readArena = TestArena.open()) {
                    FrameStreamReader reader =
                            new FrameStreamReader(readArena, io.inferwire.wire.ReaderOptions.defaults());
                    TensorDecoder dec = codec.newDecoder(readArena);
                    reader.feed(stream.asSlice(0, at));
                    for (int f = 0; f < frames / 2; f++) { // warms up reader and decoder
                        assertTrue(reader.next());
                        dec.decode(reader, out, 0);
                    }
                    long nativeMid = readArena.allocated();
                    long before = threads.getCurrentThreadAllocatedBytes();
                    for (int f = frames / 2; f < frames; f++) {
                        assertTrue(reader.next());
                        assertEquals(n, dec.decode(reader, out, 0));
                    }
                    heap[1] = threads.getCurrentThreadAllocatedBytes() - before;
                    assertEquals(nativeMid, readArena.allocated(), "native allocations while decoding");
                }
                if (pass > 0 && heap[1] <= BUDGET * (frames / 2)) {
                    break;
                }
            }
            double encode = (double) heap[0] / frames;
            double decode = (double) heap[1] / (frames / 2);
            System.out.printf(
                    "%s %s: heap bytes per frame: encode %.2f (pass %d), read + decode %.2f (pass %d)%n",
                    bound, packing, encode, encodePasses, decode, decodePasses);
            assertTrue(encode <= BUDGET, encode + " heap bytes per encoded frame");
            assertTrue(decode <= BUDGET, decode + " heap bytes per decoded frame");
        }
    }
}
