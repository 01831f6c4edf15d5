package io.inferwire.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferwire.CorruptFrameException;
import io.inferwire.TestArena;
import io.inferwire.proto.v1.FrameKind;
import io.inferwire.proto.v1.Transform;
import io.inferwire.wire.FrameEncoder;
import io.inferwire.wire.FrameStreamReader;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Review follow-ups: a DELTA may not reshape its reference; an ended encoder refuses frames. */
class ShapeAndLifecycleTest {

    @Test
    void deltaWithTheSameCountButAnotherShapeIsRejected() throws Exception {
        try (TestArena arena = TestArena.open()) {
            FrameEncoder fe = new FrameEncoder(arena, 64, FrameEncoder.Compression.NONE, true);
            MemorySegment payload = arena.allocate(24);
            FrameStreamReader reader = new FrameStreamReader(arena);
            TensorDecoder dec = TensorCodec.builder().build().newDecoder(arena);
            MemorySegment out = arena.allocate(24);
            int x = Transform.TRANSFORM_XOR_PLANES_VALUE;
            feed(reader, fe, fe.encode(0, 0, FrameKind.FRAME_KIND_KEY, 0, new int[] {2, 3}, x, payload, 0, 24));
            assertEquals(6, dec.decode(reader, out, 0));
            feed(reader, fe, fe.encode(0, 1, FrameKind.FRAME_KIND_DELTA, 0, new int[] {2, 3}, x, payload, 0, 24));
            assertEquals(6, dec.decode(reader, out, 0), "the same shape, stated again, is fine");
            feed(reader, fe, fe.encode(0, 2, FrameKind.FRAME_KIND_DELTA, 0, new int[] {3, 2}, x, payload, 0, 24));
            CorruptFrameException e = assertThrows(CorruptFrameException.class, () -> dec.decode(reader, out, 0));
            assertTrue(e.getMessage().contains("shape"), e.getMessage());
        }
    }

    private static void feed(FrameStreamReader reader, FrameEncoder fe, int len) throws Exception {
        reader.feed(fe.buffer().asSlice(fe.frameOffset(), len));
        assertTrue(reader.next());
    }

    @Test
    void anEndedEncoderRefusesFrames() {
        try (TestArena arena = TestArena.open()) {
            TensorEncoder enc = TensorCodec.builder().shape(4).build().newEncoder(arena);
            MemorySegment in = arena.allocate(16);
            enc.encode(in, 0);
            enc.end();
            assertThrows(IllegalStateException.class, () -> enc.encode(in, 0));
            assertThrows(IllegalStateException.class, enc::end);
        }
    }
}
