package io.inferwire.sse;

import io.inferwire.CorruptFrameException;
import io.inferwire.StreamException;
import io.inferwire.UnsupportedFormatException;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.sse.internal.Json;
import io.inferwire.tokens.TokenDecoder;
import io.inferwire.tokens.TokenStep;
import io.inferwire.wire.FrameStreamReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * Decodes a stream written by {@link SseEncoder} back into its events: one JSON event
 * per line, or SSE ({@code data: ...} and a blank line per event, {@code data: [DONE]}
 * where the input had it).
 *
 * <p>Every frame is checked by a {@link FrameStreamReader} (sequence, checksums, chain
 * hashes) and the whole input must be one complete stream: bad input throws a
 * {@link StreamException}, after the events before the damage were written.
 */
public final class SseDecoder {

    private SseDecoder() {}

    /**
     * Decodes {@code in} to {@code out}.
     *
     * @param sse write SSE {@code data:} events instead of JSON lines
     * @return the number of events written
     * @throws StreamException if the input is not a complete, intact SSE token stream
     * @throws IOException if reading or writing fails
     */
    public static long decode(InputStream in, OutputStream out, boolean sse) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            FrameStreamReader reader = new FrameStreamReader(arena);
            TokenDecoder dec = new TokenDecoder();
            MemorySegment chunk = arena.allocate(1 << 16);
            byte[] buf = new byte[1 << 16];
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            long events = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                MemorySegment.copy(buf, 0, chunk, ValueLayout.JAVA_BYTE, 0, n);
                reader.feed(chunk.asSlice(0, n));
                while (reader.next()) {
                    TokenStep step = dec.accept(reader);
                    if (step == null) {
                        if (dec.header() != null && events == 0 && !dec.ended()) {
                            checkHeader(dec.header());
                        }
                        continue;
                    }
                    line.reset();
                    if (render(step, dec.header(), line)) {
                        if (sse) {
                            out.write("data: ".getBytes(StandardCharsets.US_ASCII));
                            line.writeTo(out);
                            out.write('\n');
                            out.write('\n');
                        } else {
                            line.writeTo(out);
                            out.write('\n');
                        }
                    } else if (sse) {
                        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    events++;
                }
            }
            reader.finish();
            out.flush();
            return events;
        }
    }

    private static void checkHeader(StreamHeader h) throws UnsupportedFormatException {
        if (!SseEncoder.FORMAT_VERSION.equals(h.getMetadataOrDefault(SseEncoder.FORMAT_KEY, null))) {
            throw new UnsupportedFormatException(
                    "not an SSE token stream (no " + SseEncoder.FORMAT_KEY + " in the header)");
        }
    }

    /** Writes the event of {@code step} to {@code out}; false for {@code [DONE]}. */
    static boolean render(TokenStep step, StreamHeader h, ByteArrayOutputStream out) throws StreamException {
        byte[] t = step.extra();
        if (t == null) {
            throw new CorruptFrameException("step without an event template");
        }
        if (t.length == 1 && t[0] == SseEncoder.DONE) {
            return false;
        }
        for (byte b : t) {
            switch (b) {
                case SseEncoder.TEXT -> Json.escape(step.text(), out);
                case SseEncoder.ID -> Json.escape(h.getRequestId().getBytes(StandardCharsets.UTF_8), out);
                case SseEncoder.MODEL -> Json.escape(h.getModel().getBytes(StandardCharsets.UTF_8), out);
                case SseEncoder.CREATED ->
                    out.writeBytes(Long.toString(h.getCreated()).getBytes(StandardCharsets.US_ASCII));
                default -> out.write(b);
            }
        }
        return true;
    }
}
