package io.inferwire.wire;

import static io.inferwire.memory.Layouts.FLOAT_LE;

import io.inferwire.proto.v1.FrameKind;
import io.inferwire.proto.v1.StreamHeader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** A stream of real-looking frames and the payloads they carry, for reader tests. */
final class StreamFixtures {

    /** The encoded stream and, per frame, its kind and payload bytes. */
    record Stream(byte[] bytes, List<FrameKind> kinds, List<byte[]> payloads, List<Long> ends) {}

    private StreamFixtures() {}

    /**
     * HEADER, a mix of KEY rows (float32, compressible and not), TOKENS pieces and empty
     * frames, then END; {@code ends} holds the byte offset where each frame ends.
     */
    static Stream make(SplittableRandom r, int frames, long streamId, FrameEncoder.Compression compression)
            throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        List<FrameKind> kinds = new ArrayList<>();
        List<byte[]> payloads = new ArrayList<>();
        List<Long> ends = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            var channel = Channels.newChannel(bos);
            FrameStreamWriter w = new FrameStreamWriter(channel, arena, streamId, 4096, compression);
            StreamHeader h = StreamHeader.newBuilder()
                    .setRequestId("req-" + streamId)
                    .setModel("test")
                    .build();
            w.writeHeader(h);
            kinds.add(FrameKind.FRAME_KIND_HEADER);
            payloads.add(h.toByteArray());
            ends.add((long) bos.size());
            MemorySegment buf = arena.allocate(4096);
            for (int i = 0; i < frames; i++) {
                FrameKind kind;
                int len;
                switch (r.nextInt(4)) {
                    case 0 -> {
                        kind = FrameKind.FRAME_KIND_KEY;
                        len = 4 * (1 + r.nextInt(1000));
                        for (int k = 0; k < len / 4; k++) {
                            buf.setAtIndex(FLOAT_LE, k, (float) r.nextGaussian());
                        }
                    }
                    case 1 -> {
                        kind = FrameKind.FRAME_KIND_DELTA;
                        len = 4 * (1 + r.nextInt(1000));
                        for (int k = 0; k < len / 4; k++) {
                            buf.setAtIndex(FLOAT_LE, k, r.nextInt(3) == 0 ? 0.25f : 0f);
                        }
                    }
                    case 2 -> {
                        kind = FrameKind.FRAME_KIND_TOKENS;
                        byte[] text = (" tok" + r.nextInt(1000)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                        MemorySegment.copy(MemorySegment.ofArray(text), 0, buf, 0, text.length);
                        len = text.length;
                    }
                    default -> {
                        kind = FrameKind.FRAME_KIND_TOKENS;
                        len = 0;
                    }
                }
                int[] shape = kind == FrameKind.FRAME_KIND_TOKENS ? new int[0] : new int[] {len / 4};
                w.write(kind, kind == FrameKind.FRAME_KIND_DELTA ? 1e-4 : 0, shape, buf, 0, len);
                kinds.add(kind);
                payloads.add(buf.asSlice(0, len).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                ends.add((long) bos.size());
            }
            w.end();
            kinds.add(FrameKind.FRAME_KIND_END);
            payloads.add(new byte[0]);
            ends.add((long) bos.size());
        }
        return new Stream(bos.toByteArray(), kinds, payloads, ends);
    }
}
