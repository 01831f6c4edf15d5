package io.inferwire.transform;

import static io.inferwire.memory.Layouts.FLOAT_LE;
import static io.inferwire.memory.Layouts.INT_LE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.inferwire.LeakCheck;
import io.inferwire.Seeds;
import io.inferwire.StreamException;
import io.inferwire.TestArena;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.wire.FrameStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Soak, bounded in time ({@code -Dinferwire.soak.seconds}, 10 by default): stream after
 * stream of random shape, mode, packing, key interval and backend, every frame encoded,
 * read, decoded and checked (bit-exact when lossless, within the bound otherwise,
 * non-finite values exact). Native memory goes back to zero with every stream's arena,
 * direct buffers and the heap (after GC) to their baseline.
 */
class SoakTest {

    private static final int[] SPECIALS = {0x7fc00001, 0xff800000, 0x7f800000, 0x7f7fffff, 0x80000000, 0x00000001};
    private static final double[] BOUNDS = {0, 1e-2, 1e-3, 1e-4};

    @Test
    void streamsOfRandomShapesAndModes() throws StreamException {
        SplittableRandom r = Seeds.random("SoakTest");
        double seconds = Double.parseDouble(System.getProperty("inferwire.soak.seconds", "10"));
        Backend[] backends = {Backends.scalar(), Backends.named("vector")};
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long heapBefore = memory.getHeapMemoryUsage().getUsed();
        long directBefore = LeakCheck.directBytes();
        long frames = 0;
        long streams = 0;
        long values = 0;
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            int n = r.nextInt(8) == 0 ? 1 + r.nextInt(4096) : 1 + r.nextInt(48);
            double bound = BOUNDS[r.nextInt(BOUNDS.length)];
            TensorCodec.Builder b = TensorCodec.builder()
                    .shape(n)
                    .packing(r.nextInt(4) == 0 ? TensorCodec.Packing.DENSE : TensorCodec.Packing.FAST)
                    .keyInterval(1 + r.nextInt(300))
                    .backend(backends[r.nextInt(backends.length)]);
            TensorCodec codec = (bound == 0 ? b.lossless() : b.errorBound(bound)).build();
            int count = Math.min(2000, 1 + 200_000 / n);
            try (TestArena arena = TestArena.open()) {
                frames += stream(codec, count, r, arena);
                values += (long) count * n;
            }
            streams++;
        }
        double took = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                "soak: %d frames (%d values) in %d streams, %.1f s, %.0f frames/s%n",
                frames, values, streams, took, frames / took);
        assertTrue(frames > 0);
        assertEquals(directBefore, LeakCheck.directBytes(), "direct buffer memory after the soak");
        long heapAfter = heapBefore;
        for (int i = 0; i < 5 && heapAfter > heapBefore + (16 << 20); i++) {
            System.gc();
            heapAfter = memory.getHeapMemoryUsage().getUsed();
        }
        assertTrue(
                heapAfter <= heapBefore + (16 << 20),
                "heap after the soak " + heapAfter + " B, before " + heapBefore + " B: more than 16 MiB kept");
    }

    /** Encodes and decodes one stream of {@code count} frames; returns the frames checked. */
    private static long stream(TensorCodec codec, int count, SplittableRandom r, TestArena arena)
            throws StreamException {
        int n = codec.values();
        double bound = codec.errorBound();
        TensorEncoder enc = codec.newEncoder(arena);
        TensorDecoder dec = codec.newDecoder(arena);
        FrameStreamReader reader = new FrameStreamReader(arena);
        MemorySegment in = arena.allocate(4L * n, 64);
        MemorySegment out = arena.allocate(4L * n, 64);
        MemorySegment frame = arena.allocate(enc.buffer().byteSize());
        float[] walk = TensorStreams.gaussian(n, r, 0.05);
        feed(reader, enc, enc.header(StreamHeader.getDefaultInstance()), frame);
        assertTrue(reader.next());
        assertEquals(-1, dec.decode(reader, out, 0));
        double step = r.nextInt(3) == 0 ? 0.05 : 1e-3;
        for (int f = 0; f < count; f++) {
            for (int i = 0; i < n; i++) {
                walk[i] += (float) (r.nextGaussian() * step);
                in.set(FLOAT_LE, 4L * i, walk[i]);
            }
            if (r.nextInt(50) == 0) {
                in.set(INT_LE, 4L * r.nextInt(n), SPECIALS[r.nextInt(SPECIALS.length)]);
            }
            if (r.nextInt(100) == 0) {
                enc.requestKey();
            }
            feed(reader, enc, enc.encode(in, 0), frame);
            assertTrue(reader.next());
            assertEquals(n, dec.decode(reader, out, 0));
            check(in, out, n, bound, codec);
        }
        feed(reader, enc, enc.end(), frame);
        assertTrue(reader.next());
        assertEquals(-1, dec.decode(reader, out, 0));
        reader.finish();
        return count;
    }

    private static void feed(FrameStreamReader reader, TensorEncoder enc, int len, MemorySegment frame) {
        MemorySegment.copy(enc.buffer(), enc.frameOffset(), frame, 0, len);
        reader.feed(frame.asSlice(0, len));
    }

    private static void check(MemorySegment in, MemorySegment out, int n, double bound, TensorCodec codec) {
        for (int i = 0; i < n; i++) {
            int a = in.get(INT_LE, 4L * i);
            int b = out.get(INT_LE, 4L * i);
            float x = Float.intBitsToFloat(a);
            if (bound == 0 || !Float.isFinite(x)) {
                if (a != b) {
                    fail(codec + ": value " + i + " was bits " + Integer.toHexString(a) + ", came back "
                            + Integer.toHexString(b));
                }
            } else if (!(Math.abs((double) x - Float.intBitsToFloat(b)) <= bound)) {
                fail(codec + ": value " + i + " was " + x + ", came back " + Float.intBitsToFloat(b));
            }
        }
    }
}
