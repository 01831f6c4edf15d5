package io.inferwire.lz4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferwire.CorruptFrameException;
import io.inferwire.Seeds;
import io.inferwire.TestArena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import net.jpountz.lz4.LZ4Factory;
import org.junit.jupiter.api.Test;

class Lz4BlockTest {

    @Test
    void roundTripsOffHeapAndMatchesTheReferenceCompressor() throws Exception {
        SplittableRandom rnd = Seeds.random("lz4 block round trip");
        Lz4Block lz4 = new Lz4Block();
        try (TestArena arena = TestArena.open()) {
            for (int trial = 0; trial < 50; trial++) {
                int len = rnd.nextInt(100_000);
                MemorySegment src = arena.allocate(len + 8);
                byte[] heap = new byte[len];
                int alphabet = 1 + rnd.nextInt(255);
                for (int i = 0; i < len; i++) {
                    heap[i] = (byte) rnd.nextInt(alphabet);
                    src.set(ValueLayout.JAVA_BYTE, i + 8, heap[i]);
                }
                MemorySegment dst = arena.allocate(Lz4Block.maxCompressedLength(len) + 3);
                int c = lz4.compress(src, 8, len, dst, 3);
                // Same bytes as lz4-java's own (JNI) compressor on a heap array.
                byte[] ref = LZ4Factory.nativeInstance().fastCompressor().compress(heap);
                assertEquals(ref.length, c);
                assertEquals(-1, dst.asSlice(3, c).mismatch(MemorySegment.ofArray(ref)));
                MemorySegment back = arena.allocate(len + 1);
                assertEquals(len, lz4.decompress(dst, 3, c, back, 1, len));
                assertEquals(-1, back.asSlice(1, len).mismatch(src.asSlice(8, len)));
            }
        }
    }

    @Test
    void malformedOrOversizedBlocksAreTypedErrors() {
        Lz4Block lz4 = new Lz4Block();
        try (TestArena arena = TestArena.open()) {
            MemorySegment src = arena.allocate(1000);
            src.fill((byte) 'a');
            MemorySegment c = arena.allocate(Lz4Block.maxCompressedLength(1000));
            int n = lz4.compress(src, 0, 1000, c, 0);
            MemorySegment out = arena.allocate(1000);
            // Capacity one byte short of the content.
            assertThrows(CorruptFrameException.class, () -> lz4.decompress(c, 0, n, out, 0, 999));
            // Truncated block.
            assertThrows(CorruptFrameException.class, () -> lz4.decompress(c, 0, n - 1, out, 0, 1000));
            // Garbage: a match offset pointing before the output start.
            MemorySegment bad = arena.allocate(8);
            bad.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x1F);
            bad.set(ValueLayout.JAVA_BYTE, 1, (byte) 'x');
            bad.set(ValueLayout.JAVA_BYTE, 2, (byte) 0xFF);
            bad.set(ValueLayout.JAVA_BYTE, 3, (byte) 0x7F);
            assertThrows(CorruptFrameException.class, () -> lz4.decompress(bad, 0, 4, out, 0, 1000));
        }
    }

    @Test
    void rangesAreCheckedBeforeTheNativeCall() {
        Lz4Block lz4 = new Lz4Block();
        try (TestArena arena = TestArena.open()) {
            MemorySegment src = arena.allocate(100);
            MemorySegment small = arena.allocate(50);
            assertThrows(IndexOutOfBoundsException.class, () -> lz4.compress(src, 0, 100, small, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> lz4.compress(src, 90, 20, arena.allocate(200), 0));
            assertThrows(IndexOutOfBoundsException.class, () -> lz4.decompress(src, 0, 101, small, 0, 10));
            assertThrows(IndexOutOfBoundsException.class, () -> lz4.decompress(src, 0, 10, small, 45, 10));
            assertThrows(IllegalArgumentException.class, () -> Lz4Block.maxCompressedLength(-1));
        }
        assertTrue(Lz4Block.maxCompressedLength(0) > 0);
    }
}
