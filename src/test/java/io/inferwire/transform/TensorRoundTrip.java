package io.inferwire.transform;

import static io.inferwire.memory.Layouts.FLOAT_LE;
import static io.inferwire.memory.Layouts.INT_LE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferwire.StreamException;
import io.inferwire.wire.FrameStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/** Encodes rows into one byte stream and decodes it back, checking what a user would. */
final class TensorRoundTrip {

    final List<float[]> decoded = new ArrayList<>();
    final List<String> kinds = new ArrayList<>();
    long bytes;

    private TensorRoundTrip() {}

    /**
     * Encodes {@code rows} with {@code codec}, checks that every frame's encoder-side
     * reconstruction is what the decoder hands out, and returns the decoded rows.
     */
    static TensorRoundTrip run(TensorCodec codec, float[][] rows, Arena arena) throws StreamException {
        TensorRoundTrip rt = new TensorRoundTrip();
        int n = codec.values();
        TensorEncoder enc = codec.newEncoder(arena);
        TensorDecoder dec = TensorCodec.builder()
                .shape(codec.shape())
                .backend(codec.backend())
                .build()
                .newDecoder(arena);
        FrameStreamReader reader = new FrameStreamReader(arena);
        MemorySegment in = arena.allocate(4L * n);
        MemorySegment out = arena.allocate(4L * n);
        MemorySegment frame = arena.allocate(enc.buffer().byteSize());
        List<MemorySegment> expected = new ArrayList<>();
        for (float[] row : rows) {
            MemorySegment.copy(row, 0, in, FLOAT_LE, 0, n);
            int len = enc.encode(in, 0);
            rt.kinds.add(enc.lastKind().name().substring("FRAME_KIND_".length()));
            rt.bytes += len;
            MemorySegment recon = arena.allocate(4L * n);
            MemorySegment.copy(enc.reconstruction(), 0, recon, 0, 4L * n);
            expected.add(recon);
            MemorySegment.copy(enc.buffer(), enc.frameOffset(), frame, 0, len);
            reader.feed(frame.asSlice(0, len));
            assertTrue(reader.next(), "frame decodes");
            assertEquals(n, dec.decode(reader, out, 0));
            assertTrue(!reader.next());
            for (int i = 0; i < n; i++) {
                assertEquals(
                        recon.get(INT_LE, 4L * i),
                        out.get(INT_LE, 4L * i),
                        "decoder output differs from the encoder's reconstruction at value " + i);
            }
            float[] d = new float[n];
            MemorySegment.copy(out, FLOAT_LE, 0, d, 0, n);
            rt.decoded.add(d);
        }
        return rt;
    }
}
