package io.inferwire.transport.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OutgoingFrameTest {

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    @Test
    void drainsFromOffHeapInScratchSizedChunks() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            byte[] want = random(20_000);
            MemorySegment seg = arena.allocate(want.length + 10);
            MemorySegment.copy(want, 0, seg, ValueLayout.JAVA_BYTE, 10, want.length);
            byte[] scratch = new byte[8192];
            OutgoingFrame m = new OutgoingFrame(seg, 10, want.length, scratch);
            assertEquals(want.length, m.available());
            List<Integer> writes = new ArrayList<>();
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            OutputStream spy = new OutputStream() {
                @Override
                public void write(int b) {
                    throw new AssertionError("byte-at-a-time write");
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    writes.add(len);
                    sink.write(b, off, len);
                }
            };
            assertEquals(want.length, m.drainTo(spy));
            assertArrayEquals(want, sink.toByteArray());
            assertEquals(List.of(8192, 8192, 20_000 - 16384), writes);
            assertEquals(0, m.available());
            m.detach();
            assertEquals(-1, m.read());
        }
    }

    @Test
    void detachCopiesWhatTheTransportHasNotReadBeforeTheBufferIsReused() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            byte[] want = random(1000);
            MemorySegment seg = arena.allocate(want.length);
            MemorySegment.copy(want, 0, seg, ValueLayout.JAVA_BYTE, 0, want.length);
            OutgoingFrame m = new OutgoingFrame(seg, 0, want.length, new byte[8192]);
            byte[] head = new byte[100];
            assertEquals(100, m.read(head, 0, 100));
            m.detach();
            seg.fill((byte) 0); // the encoder reuses its buffer
            byte[] rest = m.readAllBytes();
            byte[] all = new byte[1000];
            System.arraycopy(head, 0, all, 0, 100);
            System.arraycopy(rest, 0, all, 100, rest.length);
            assertArrayEquals(want, all);
        }
    }
}
