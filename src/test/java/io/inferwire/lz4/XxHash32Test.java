package io.inferwire.lz4;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferwire.Seeds;
import io.inferwire.TestArena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import net.jpountz.xxhash.XXHashFactory;
import org.junit.jupiter.api.Test;

class XxHash32Test {

    private static final net.jpountz.xxhash.XXHash32 ORACLE =
            XXHashFactory.nativeInstance().hash32();

    @Test
    void knownVectors() {
        // Reference values of XXH32 (xxhash.h test vectors, seed 0 and prime seed).
        assertEquals(0x02CC5D05, XxHash32.hash(MemorySegment.ofArray(new byte[0]), 0, 0, 0));
        byte[] abc = "abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals(0x32D153FF, XxHash32.hash(MemorySegment.ofArray(abc), 0, 3, 0));
    }

    @Test
    void oneShotMatchesNativeForEveryLengthAndOffset() {
        SplittableRandom rnd = Seeds.random("xxhash32 one-shot");
        try (TestArena arena = TestArena.open()) {
            MemorySegment s = arena.allocate(4096);
            byte[] copy = new byte[4096];
            for (int i = 0; i < copy.length; i++) {
                copy[i] = (byte) rnd.nextInt();
                s.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, copy[i]);
            }
            for (int len = 0; len <= 300; len++) {
                int off = rnd.nextInt(64);
                int seed = rnd.nextInt();
                assertEquals(ORACLE.hash(copy, off, len, seed), XxHash32.hash(s, off, len, seed), "len " + len);
            }
            assertEquals(ORACLE.hash(copy, 0, 4096, 7), XxHash32.hash(s, 0, 4096, 7));
        }
    }

    @Test
    void streamingMatchesOneShotWhateverTheSplits() {
        SplittableRandom rnd = Seeds.random("xxhash32 streaming");
        try (TestArena arena = TestArena.open()) {
            MemorySegment s = arena.allocate(10_000);
            for (int i = 0; i < 10_000; i++) {
                s.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt());
            }
            for (int trial = 0; trial < 200; trial++) {
                int len = rnd.nextInt(10_000);
                XxHash32 h = new XxHash32(0);
                long pos = 0;
                while (pos < len) {
                    long n = Math.min(len - pos, rnd.nextInt(40));
                    h.update(s, pos, n);
                    pos += n;
                }
                assertEquals(XxHash32.hash(s, 0, len, 0), h.value(), "len " + len);
            }
        }
    }
}
