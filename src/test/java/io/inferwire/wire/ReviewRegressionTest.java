package io.inferwire.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.inferwire.CorruptFrameException;
import io.inferwire.SequenceException;
import io.inferwire.TestArena;
import io.inferwire.lz4.XxHash32;
import io.inferwire.proto.v1.Frame;
import io.inferwire.proto.v1.FrameKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import org.junit.jupiter.api.Test;

/** Regressions for the problems an independent review found in the framing layer. */
class ReviewRegressionTest {

    private static int checksum(long stream, long seq, FrameKind kind, byte[] payload) {
        return XxHash32.hash(
                MemorySegment.ofArray(payload),
                0,
                payload.length,
                FrameChecksum.seed(stream, seq, kind.getNumber(), 0, new int[0]));
    }

    /** An LZ4 frame declaring an empty payload used to reach JNI with a NULL buffer (OutOfMemoryError). */
    @Test
    void lz4FrameWithEmptyDeclaredSizeIsCorruptNotAnError() throws Exception {
        for (byte[] payload : new byte[][] {{0}, {}}) {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            Frame.newBuilder()
                    .setKind(FrameKind.FRAME_KIND_TOKENS)
                    .setEncodingValue(1)
                    .setCompressedSize(payload.length)
                    .setPayload(ByteString.copyFrom(payload))
                    .setChecksum(checksum(0, 0, FrameKind.FRAME_KIND_TOKENS, new byte[0]))
                    .build()
                    .writeDelimitedTo(bos);
            try (TestArena arena = TestArena.open()) {
                FrameStreamReader r = new FrameStreamReader(arena);
                r.feed(MemorySegment.ofArray(bos.toByteArray()));
                assertThrows(CorruptFrameException.class, r::next);
                assertEquals(0, r.dataLength());
            }
        }
    }

    @Test
    void endedStreamsDoNotCountAgainstTheOpenStreamLimit() throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        for (long id = 1; id <= 50; id++) {
            for (long seq = 0; seq < 2; seq++) {
                FrameKind k = seq == 0 ? FrameKind.FRAME_KIND_TOKENS : FrameKind.FRAME_KIND_END;
                Frame.newBuilder()
                        .setStreamId(id)
                        .setSeq(seq)
                        .setKind(k)
                        .setChecksum(checksum(id, seq, k, new byte[0]))
                        .build()
                        .writeDelimitedTo(bos);
            }
        }
        try (TestArena arena = TestArena.open()) {
            FrameStreamReader r =
                    new FrameStreamReader(arena, ReaderOptions.defaults().withMaxStreams(4));
            r.feed(MemorySegment.ofArray(bos.toByteArray()));
            int n = 0;
            while (r.next()) {
                n++;
            }
            assertEquals(100, n);
            r.finish();
        }
    }

    @Test
    void rejectedFramesHandOutNoData() throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        byte[] p = {1, 2, 3};
        Frame f = Frame.newBuilder()
                .setKind(FrameKind.FRAME_KIND_TOKENS)
                .setRawSize(3)
                .setCompressedSize(3)
                .setPayload(ByteString.copyFrom(p))
                .setChecksum(checksum(0, 0, FrameKind.FRAME_KIND_TOKENS, p))
                .build();
        f.writeDelimitedTo(bos);
        f.writeDelimitedTo(bos); // duplicate
        try (TestArena arena = TestArena.open()) {
            FrameStreamReader r = new FrameStreamReader(arena);
            r.feed(MemorySegment.ofArray(bos.toByteArray()));
            assertTrue(r.next());
            assertEquals(3, r.dataLength());
            SequenceException e = assertThrows(SequenceException.class, r::next);
            assertEquals(SequenceException.Problem.DUPLICATE, e.problem());
            assertEquals(0, r.dataLength());
            assertEquals(0, r.data().byteSize());
        }
    }

    @Test
    void aFailedEncodeLeavesTheLastFrameIntact() {
        try (TestArena arena = TestArena.open()) {
            FrameEncoder enc = new FrameEncoder(arena, 4096, FrameEncoder.Compression.LZ4, true);
            MemorySegment p = arena.allocate(4096);
            p.fill((byte) 7);
            int n = enc.encode(1, 0, FrameKind.FRAME_KIND_KEY, 0, new int[] {1024}, p, 0, 4096);
            byte[] before = enc.frame().toArray(ValueLayout.JAVA_BYTE);
            MemorySegment other = arena.allocate(4096);
            assertThrows(
                    IllegalArgumentException.class,
                    () -> enc.encode(1, 1, FrameKind.FRAME_KIND_KEY, 0, new int[] {-1}, other, 0, 4096));
            assertEquals(n, enc.frameLength());
            assertEquals(-1, enc.frame().mismatch(MemorySegment.ofArray(before)));
        }
    }

    @Test
    void aWriterWhoseChannelFailedRefusesMoreFrames() throws Exception {
        WritableByteChannel broken = new WritableByteChannel() {
            int calls;

            @Override
            public int write(ByteBuffer src) throws IOException {
                if (++calls > 1) {
                    throw new IOException("disk full");
                }
                src.position(src.position() + 1);
                return 1;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {}
        };
        try (TestArena arena = TestArena.open()) {
            FrameStreamWriter w = new FrameStreamWriter(broken, arena, 1, 64, FrameEncoder.Compression.NONE);
            MemorySegment p = arena.allocate(16);
            assertThrows(IOException.class, () -> w.write(FrameKind.FRAME_KIND_TOKENS, 0, new int[0], p, 0, 16));
            assertThrows(
                    IllegalStateException.class, () -> w.write(FrameKind.FRAME_KIND_TOKENS, 0, new int[0], p, 0, 16));
        }
    }
}
