package io.inferwire.transform;

import static io.inferwire.memory.Layouts.FLOAT_LE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferwire.ChecksumMismatchException;
import io.inferwire.CorruptFrameException;
import io.inferwire.SequenceException;
import io.inferwire.StreamException;
import io.inferwire.TestArena;
import io.inferwire.TruncatedStreamException;
import io.inferwire.proto.v1.FrameKind;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.wire.FrameStreamReader;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Faults in a tensor stream (a frame dropped, duplicated, reordered, bit-flipped or cut)
 * are each reported with the stream id and seq of the frame concerned, and the decoder
 * resumes at the next KEY frame without ever handing out a wrong value (lossless, so
 * "right" is bit-exact).
 */
class StreamFaultTest {

    static final long ID = 77;
    static final int N = 40;
    static final int ROWS = 24;

    /** Frame i of the stream has seq i: HEADER, ROWS tensor frames (a KEY every 6), END. */
    record Stream(List<byte[]> frames, List<FrameKind> kinds, float[][] rows) {
        byte[] join(List<byte[]> parts) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            parts.forEach(out::writeBytes);
            return out.toByteArray();
        }

        /** The seq of the first KEY frame after {@code seq}. */
        int nextKey(int seq) {
            for (int s = seq + 1; s < kinds.size(); s++) {
                if (kinds.get(s) == FrameKind.FRAME_KIND_KEY) {
                    return s;
                }
            }
            throw new AssertionError("no KEY after " + seq);
        }
    }

    /** Errors in order, and the values handed out per seq. */
    record Outcome(List<StreamException> errors, Map<Long, float[]> decoded) {}

    static final TensorCodec CODEC = TensorCodec.builder()
            .shape(N)
            .lossless()
            .keyInterval(6)
            .decisionInterval(0)
            .streamId(ID)
            .build();

    static Stream stream() {
        SplittableRandom r = new SplittableRandom(77);
        float[][] rows = new float[ROWS + 2][];
        List<byte[]> frames = new ArrayList<>();
        List<FrameKind> kinds = new ArrayList<>();
        try (TestArena arena = TestArena.open()) {
            TensorEncoder enc = CODEC.newEncoder(arena);
            int len = enc.header(StreamHeader.newBuilder().setModel("faults").build());
            frames.add(enc.buffer().asSlice(enc.frameOffset(), len).toArray(ValueLayout.JAVA_BYTE));
            kinds.add(FrameKind.FRAME_KIND_HEADER);
            MemorySegment in = arena.allocate(4L * N);
            float[] x = new float[N];
            for (int f = 1; f <= ROWS; f++) {
                for (int i = 0; i < N; i++) {
                    x[i] += (float) (0.01 * r.nextGaussian());
                }
                rows[f] = x.clone();
                MemorySegment.copy(x, 0, in, FLOAT_LE, 0, N);
                len = enc.encode(in, 0);
                frames.add(enc.buffer().asSlice(enc.frameOffset(), len).toArray(ValueLayout.JAVA_BYTE));
                kinds.add(enc.lastKind());
            }
            len = enc.end();
            frames.add(enc.buffer().asSlice(enc.frameOffset(), len).toArray(ValueLayout.JAVA_BYTE));
            kinds.add(FrameKind.FRAME_KIND_END);
        }
        return new Stream(frames, kinds, rows);
    }

    static Outcome read(byte[] bytes) {
        List<StreamException> errors = new ArrayList<>();
        Map<Long, float[]> decoded = new HashMap<>();
        try (TestArena arena = TestArena.open()) {
            FrameStreamReader reader = new FrameStreamReader(arena);
            TensorDecoder dec = CODEC.newDecoder(arena);
            MemorySegment out = arena.allocate(4L * N);
            reader.feed(MemorySegment.ofArray(bytes));
            while (true) {
                try {
                    if (!reader.next()) {
                        break;
                    }
                } catch (StreamException e) {
                    errors.add(e);
                    if (reader.framingLost()) {
                        break;
                    }
                    continue;
                }
                try {
                    if (dec.decode(reader, out, 0) > 0) {
                        float[] v = out.toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
                        assertFalse(decoded.containsKey(reader.frame().seq()), "seq handed out twice");
                        decoded.put(reader.frame().seq(), v);
                    }
                } catch (StreamException e) {
                    errors.add(e);
                }
            }
            try {
                reader.finish();
            } catch (StreamException e) {
                errors.add(e);
            }
        }
        return new Outcome(errors, decoded);
    }

    /** Every value handed out is the row of its seq, bit for bit. */
    static void assertNothingWrong(Stream s, Outcome o) {
        for (var e : o.decoded.entrySet()) {
            long seq = e.getKey();
            assertTrue(seq >= 1 && seq <= ROWS, "seq " + seq);
            float[] want = s.rows[(int) seq];
            for (int i = 0; i < N; i++) {
                assertEquals(
                        Float.floatToRawIntBits(want[i]),
                        Float.floatToRawIntBits(e.getValue()[i]),
                        "seq " + seq + " value " + i);
            }
        }
    }

    /** Decoded: every tensor frame except those in [from, to). */
    static void assertDecodedAllBut(Outcome o, int from, int to) {
        for (int seq = 1; seq <= ROWS; seq++) {
            assertEquals(seq < from || seq >= to, o.decoded.containsKey((long) seq), "seq " + seq + " decoded");
        }
    }

    static void assertNames(StreamException e, Class<? extends StreamException> type, long seq) {
        assertInstanceOf(type, e, e.toString());
        assertEquals(ID, e.streamId(), e.getMessage());
        assertEquals(seq, e.seq(), e.getMessage());
        assertTrue(e.getMessage().contains("stream " + ID + ", seq " + seq), e.getMessage());
    }

    /** A DELTA frame that follows a DELTA and is followed by one. */
    static int aDelta(Stream s) {
        for (int k = 8; k < ROWS; k++) {
            if (s.kinds.get(k) == FrameKind.FRAME_KIND_DELTA && s.kinds.get(k + 1) == FrameKind.FRAME_KIND_DELTA) {
                return k;
            }
        }
        throw new AssertionError("no DELTA run in " + s.kinds);
    }

    @Test
    void theIntactStreamDecodesWhole() {
        Stream s = stream();
        Outcome o = read(s.join(s.frames));
        assertEquals(List.of(), o.errors);
        assertDecodedAllBut(o, 0, 0);
        assertNothingWrong(s, o);
    }

    @Test
    void aDroppedFrameIsAGapAndDecodingResumesAtTheNextKey() {
        Stream s = stream();
        int k = aDelta(s);
        List<byte[]> frames = new ArrayList<>(s.frames);
        frames.remove(k);
        Outcome o = read(s.join(frames));
        assertNames(o.errors.get(0), SequenceException.class, k + 1);
        assertEquals(SequenceException.Problem.GAP, ((SequenceException) o.errors.get(0)).problem());
        assertEquals(k, ((SequenceException) o.errors.get(0)).expected());
        // The frame after the gap is intact and handed out, but the decoder has no reference for it.
        assertNames(o.errors.get(1), CorruptFrameException.class, k + 1);
        for (int i = 2; i < o.errors.size(); i++) {
            assertNames(o.errors.get(i), CorruptFrameException.class, k + i);
            assertTrue(o.errors.get(i).getMessage().contains("without its reference"));
        }
        assertEquals(s.nextKey(k), k + o.errors.size(), o.errors.toString());
        assertDecodedAllBut(o, k, s.nextKey(k));
        assertNothingWrong(s, o);
    }

    @Test
    void aDuplicatedFrameIsDroppedAndNothingIsLost() {
        Stream s = stream();
        int k = aDelta(s);
        List<byte[]> frames = new ArrayList<>(s.frames);
        frames.add(k + 1, s.frames.get(k));
        Outcome o = read(s.join(frames));
        assertEquals(1, o.errors.size(), o.errors.toString());
        assertNames(o.errors.get(0), SequenceException.class, k);
        assertEquals(SequenceException.Problem.DUPLICATE, ((SequenceException) o.errors.get(0)).problem());
        assertDecodedAllBut(o, 0, 0);
        assertNothingWrong(s, o);
    }

    @Test
    void reorderedFramesAreReportedAndDecodingResumesAtTheNextKey() {
        Stream s = stream();
        int k = aDelta(s);
        List<byte[]> frames = new ArrayList<>(s.frames);
        frames.set(k, s.frames.get(k + 1));
        frames.set(k + 1, s.frames.get(k));
        Outcome o = read(s.join(frames));
        assertNames(o.errors.get(0), SequenceException.class, k + 1);
        assertEquals(SequenceException.Problem.GAP, ((SequenceException) o.errors.get(0)).problem());
        assertNames(o.errors.get(1), CorruptFrameException.class, k + 1);
        assertNames(o.errors.get(2), SequenceException.class, k);
        assertEquals(SequenceException.Problem.REORDERED, ((SequenceException) o.errors.get(2)).problem());
        assertDecodedAllBut(o, k, s.nextKey(k));
        assertNothingWrong(s, o);
    }

    @Test
    void aFlippedPayloadBitIsAChecksumMismatchAndDecodingResumesAtTheNextKey() {
        Stream s = stream();
        int k = aDelta(s);
        byte[] damaged = s.frames.get(k).clone();
        damaged[damaged.length - 3] ^= 0x10; // the payload is the frame's last field
        List<byte[]> frames = new ArrayList<>(s.frames);
        frames.set(k, damaged);
        Outcome o = read(s.join(frames));
        assertNames(o.errors.get(0), ChecksumMismatchException.class, k);
        // The damaged frame did not move the sequence on: the next one reports the gap it left.
        assertNames(o.errors.get(1), SequenceException.class, k + 1);
        assertDecodedAllBut(o, k, s.nextKey(k));
        assertNothingWrong(s, o);
    }

    /** Every single-bit flip in a DELTA frame: reported, nothing wrong handed out, decoding back by the next KEY. */
    @Test
    void everyBitFlipInAFrameIsCaughtWithoutWrongData() {
        Stream s = stream();
        int k = aDelta(s);
        int undetected = 0;
        for (int at = 0; at < s.frames.get(k).length; at++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] damaged = s.frames.get(k).clone();
                damaged[at] ^= (byte) (1 << bit);
                List<byte[]> frames = new ArrayList<>(s.frames);
                frames.set(k, damaged);
                Outcome o = read(s.join(frames));
                assertNothingWrong(s, o);
                if (o.errors.isEmpty()) {
                    undetected++;
                    continue;
                }
                // A flipped length prefix shifts the framing of everything after it (no sync
                // marker to find the next frame by); any other flip costs frames up to the next KEY.
                boolean prefix = at < prefixLength(s.frames.get(k));
                for (int seq = s.nextKey(k); seq <= ROWS && !prefix; seq++) {
                    assertTrue(o.decoded.containsKey((long) seq), "flip at " + at + "." + bit + ": seq " + seq);
                }
            }
        }
        // Only flips in header fields the checksum does not cover (none in this frame but
        // the transform and sizes, which then fail to decode) can pass unreported.
        assertEquals(0, undetected, "undetected flips");
    }

    static int prefixLength(byte[] frame) {
        int n = 1;
        while (frame[n - 1] < 0) {
            n++;
        }
        return n;
    }

    @Test
    void aStreamCutInsideAFrameIsTruncatedAtThatFrame() {
        Stream s = stream();
        int k = aDelta(s);
        List<byte[]> frames = new ArrayList<>(s.frames.subList(0, k));
        frames.add(Arrays.copyOf(s.frames.get(k), s.frames.get(k).length / 2));
        Outcome o = read(s.join(frames));
        assertEquals(1, o.errors.size(), o.errors.toString());
        assertNames(o.errors.get(0), TruncatedStreamException.class, k);
        assertDecodedAllBut(o, k, ROWS + 1);
        assertNothingWrong(s, o);
    }

    @Test
    void aStreamThatStopsOnAFrameBoundaryWithoutEndIsTruncated() {
        Stream s = stream();
        Outcome o = read(s.join(s.frames.subList(0, s.frames.size() - 1)));
        assertEquals(1, o.errors.size(), o.errors.toString());
        StreamException e = o.errors.get(0);
        assertInstanceOf(TruncatedStreamException.class, e);
        assertEquals(ID, e.streamId());
        assertTrue(e.getMessage().contains("without its END frame after seq " + ROWS), e.getMessage());
        assertDecodedAllBut(o, 0, 0);
    }

    @Test
    void aFrameCutMidStreamIsReportedWithoutWrongData() {
        Stream s = stream();
        int k = aDelta(s);
        List<byte[]> frames = new ArrayList<>(s.frames);
        frames.set(k, Arrays.copyOf(s.frames.get(k), s.frames.get(k).length - 5));
        Outcome o = read(s.join(frames));
        assertFalse(o.errors.isEmpty());
        assertEquals(ID, o.errors.get(0).streamId(), o.errors.toString());
        assertNothingWrong(s, o);
    }
}
