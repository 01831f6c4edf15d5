package io.inferwire.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferwire.Seeds;
import io.inferwire.TestArena;
import io.inferwire.proto.v1.FrameKind;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Native memory does not grow per frame: after warm-up, encoding and reading allocate nothing more. */
class SteadyStateTest {

    @Test
    void noNativeGrowthPerFrame() throws Exception {
        SplittableRandom r = Seeds.random("steady state");
        try (TestArena arena = TestArena.open()) {
            FrameEncoder enc = new FrameEncoder(arena, 4096, FrameEncoder.Compression.LZ4, true);
            FrameStreamReader reader = new FrameStreamReader(arena);
            MemorySegment payload = arena.allocate(4096);
            MemorySegment chunk = arena.allocate(4096 + FrameEncoder.MAX_HEADER_BYTES);
            int[] shape = {1024};
            // The largest frame there can be (4096 incompressible bytes, stored raw) goes
            // first, so that no buffer has a reason to grow after warm-up whatever the seed.
            MemorySegment noise = arena.allocate(4096);
            for (int k = 0; k < 4096; k++) {
                noise.set(ValueLayout.JAVA_BYTE, k, (byte) r.nextInt(256));
            }
            int big = enc.encode(1, 0, FrameKind.FRAME_KIND_KEY, 0, shape, noise, 0, 4096);
            MemorySegment.copy(enc.buffer(), enc.frameOffset(), chunk, 0, big);
            reader.feed(chunk.asSlice(0, big - 1));
            assertFalse(reader.next());
            reader.feed(chunk.asSlice(big - 1, 1));
            assertTrue(reader.next());
            assertEquals(-1, reader.data().mismatch(noise));
            long afterWarmup = 0;
            long directBefore = 0;
            for (int i = 0; i < 200_000; i++) {
                if (i == 1_000) {
                    afterWarmup = arena.allocated();
                    directBefore = io.inferwire.LeakCheck.directBytes();
                }
                int len = 4 * r.nextInt(1025);
                for (int k = 0; k < len; k += 64) {
                    payload.set(ValueLayout.JAVA_BYTE, k, (byte) r.nextInt(4));
                }
                int n = enc.encode(1, i + 1, FrameKind.FRAME_KIND_KEY, 0, shape, payload, 0, len);
                // Feed the frame in two pieces so the split-frame path runs too.
                int split = r.nextInt(n);
                MemorySegment.copy(enc.buffer(), enc.frameOffset(), chunk, 0, n);
                reader.feed(chunk.asSlice(0, split));
                while (reader.next()) {
                    throw new AssertionError("frame complete before its last byte");
                }
                reader.feed(chunk.asSlice(split, n - split));
                assertTrue(reader.next());
                assertEquals(len, reader.dataLength());
                assertEquals(-1, reader.data().mismatch(payload.asSlice(0, len)));
            }
            assertEquals(afterWarmup, arena.allocated(), "arena allocations after warm-up");
            assertEquals(directBefore, io.inferwire.LeakCheck.directBytes(), "GC-managed direct memory");
            assertEquals(200_001, reader.frames());
        }
    }
}
