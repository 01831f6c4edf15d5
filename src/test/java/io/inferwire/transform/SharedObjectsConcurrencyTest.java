package io.inferwire.transform;

import static io.inferwire.memory.Layouts.FLOAT_LE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferwire.Seeds;
import io.inferwire.TestArena;
import io.inferwire.lz4.BlockSize;
import io.inferwire.lz4.Lz4FrameReader;
import io.inferwire.lz4.Lz4FrameWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Encoders and decoders are single-stream objects; what they share is not: the backend
 * instances (and their thread-local staging), the LZ4 factory and the frame writer's
 * compressor threads. Many threads use them at once here and must get exactly the bytes
 * one thread gets alone.
 */
class SharedObjectsConcurrencyTest {

    private static final int THREADS = 8;

    @Test
    void encodersOnSharedBackendsGiveTheBytesOfOneThread() throws Exception {
        SplittableRandom r = Seeds.random("SharedObjectsConcurrencyTest.encoders");
        int n = 389;
        float[][] rows = new float[200][];
        float[] walk = TensorStreams.gaussian(n, r, 0.05);
        for (int f = 0; f < rows.length; f++) {
            for (int i = 0; i < n; i++) {
                walk[i] += (float) (r.nextGaussian() * (f % 16 == 0 ? 0.05 : 1e-3));
            }
            rows[f] = walk.clone();
        }
        List<Backend> backends = new ArrayList<>(List.of(Backends.scalar(), Backends.named("vector")));
        Backend nativeHost = Backends.named("native-host");
        if (nativeHost.isAvailable()) {
            backends.add(nativeHost);
        }
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            for (Backend backend : backends) {
                for (double bound : new double[] {0, 1e-4}) {
                    for (TensorCodec.Packing packing : TensorCodec.Packing.values()) {
                        TensorCodec.Builder b =
                                TensorCodec.builder().shape(n).packing(packing).backend(backend);
                        TensorCodec codec = (bound == 0 ? b.lossless() : b.errorBound(bound)).build();
                        byte[] alone = encode(codec, rows);
                        CyclicBarrier start = new CyclicBarrier(THREADS);
                        List<Future<byte[]>> results = new ArrayList<>();
                        for (int t = 0; t < THREADS; t++) {
                            Callable<byte[]> task = () -> {
                                start.await();
                                return encode(codec, rows);
                            };
                            results.add(pool.submit(task));
                        }
                        for (Future<byte[]> f : results) {
                            assertArrayEquals(alone, f.get(), codec + " on " + THREADS + " threads");
                        }
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static byte[] encode(TensorCodec codec, float[][] rows) {
        int n = codec.values();
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (Arena arena = Arena.ofConfined()) {
            TensorEncoder enc = codec.newEncoder(arena);
            MemorySegment in = arena.allocate(4L * n, 64);
            for (float[] row : rows) {
                MemorySegment.copy(row, 0, in, FLOAT_LE, 0, n);
                int len = enc.encode(in, 0);
                bos.writeBytes(enc.buffer().asSlice(enc.frameOffset(), len).toArray(ValueLayout.JAVA_BYTE));
            }
        }
        return bos.toByteArray();
    }

    @Test
    void frameWritersWithCompressorThreadsRunSideBySide() throws Exception {
        SplittableRandom r = Seeds.random("SharedObjectsConcurrencyTest.lz4");
        byte[] data = new byte[3 << 20];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (r.nextInt(8) == 0 ? r.nextInt(256) : i >>> 10);
        }
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (TestArena arena = TestArena.open()) {
            MemorySegment src = arena.allocate(data.length);
            MemorySegment.copy(data, 0, src, ValueLayout.JAVA_BYTE, 0, data.length);
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<Future<byte[]>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int threads = 1 + t % 4;
                Callable<byte[]> task = () -> {
                    start.await();
                    ByteArrayOutputStream bos = new ByteArrayOutputStream();
                    Lz4FrameWriter.compress(
                            src,
                            Channels.newChannel(bos),
                            Lz4FrameWriter.Options.defaults()
                                    .withBlockSize(BlockSize.KB64)
                                    .withThreads(threads));
                    return bos.toByteArray();
                };
                results.add(pool.submit(task));
            }
            for (Future<byte[]> f : results) {
                ByteArrayOutputStream back = new ByteArrayOutputStream();
                long n = Lz4FrameReader.decompress(
                        Channels.newChannel(new ByteArrayInputStream(f.get())), Channels.newChannel(back));
                assertEquals(data.length, n);
                assertArrayEquals(data, back.toByteArray());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
