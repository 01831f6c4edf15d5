package io.inferwire.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import io.inferwire.ChecksumMismatchException;
import io.inferwire.CorruptFrameException;
import io.inferwire.LimitExceededException;
import io.inferwire.Seeds;
import io.inferwire.SequenceException;
import io.inferwire.StreamException;
import io.inferwire.TestArena;
import io.inferwire.TruncatedStreamException;
import io.inferwire.UnsupportedFormatException;
import io.inferwire.proto.v1.Frame;
import io.inferwire.proto.v1.FrameKind;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FrameStreamReaderTest {

    /** For streams written by protobuf's generated classes, without checksums. */
    static final ReaderOptions NO_CHECKSUMS = ReaderOptions.defaults().withRequireChecksum(false);

    /** What a reader handed out, and what it threw. */
    record Outcome(List<FrameKind> kinds, List<Long> seqs, List<byte[]> payloads, List<StreamException> errors) {}

    /** Feeds {@code bytes} in chunks of the given sizes through one reusable chunk buffer. */
    static Outcome read(
            TestArena arena, byte[] bytes, SplittableRandom r, int maxChunk, ReaderOptions options, boolean finish) {
        FrameStreamReader reader = new FrameStreamReader(arena, options);
        MemorySegment chunk = arena.allocate(Math.max(1, maxChunk));
        Outcome o = new Outcome(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        int pos = 0;
        while (pos < bytes.length) {
            int n = Math.min(bytes.length - pos, 1 + r.nextInt(maxChunk));
            MemorySegment.copy(MemorySegment.ofArray(bytes), pos, chunk, 0, n);
            pos += n;
            reader.feed(chunk.asSlice(0, n));
            drain(reader, o);
            // The reader must not read the chunk after next() returned false: scribble on it.
            chunk.fill((byte) 0x5A);
        }
        if (finish) {
            try {
                reader.finish();
            } catch (StreamException e) {
                o.errors.add(e);
            }
        }
        return o;
    }

    private static void drain(FrameStreamReader reader, Outcome o) {
        while (true) {
            try {
                if (!reader.next()) {
                    return;
                }
            } catch (StreamException e) {
                o.errors.add(e);
                if (o.errors.size() > 10_000) {
                    fail("reader keeps failing: " + e);
                }
                if (reader.framingLost()) {
                    // framing lost: the reader is stuck, by design
                    try {
                        reader.next();
                        fail("a stuck reader must keep throwing");
                    } catch (StreamException again) {
                        assertTrue(again == e);
                    }
                    return;
                }
                continue;
            }
            o.kinds.add(reader.frame().kind());
            o.seqs.add(reader.frame().seq());
            o.payloads.add(reader.data().toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @ParameterizedTest
    @EnumSource(FrameEncoder.Compression.class)
    void roundTripsWhateverTheChunking(FrameEncoder.Compression compression) throws Exception {
        SplittableRandom r = Seeds.random("reader round trip " + compression);
        StreamFixtures.Stream s = StreamFixtures.make(r, 300, 9, compression);
        try (TestArena arena = TestArena.open()) {
            for (int maxChunk : new int[] {1, 2, 7, 100, 5000, s.bytes().length}) {
                Outcome o = read(arena, s.bytes(), r, maxChunk, ReaderOptions.defaults(), true);
                assertEquals(List.of(), o.errors, "chunks up to " + maxChunk);
                assertEquals(s.kinds(), o.kinds);
                for (int i = 0; i < s.payloads().size(); i++) {
                    assertArrayEquals(s.payloads().get(i), o.payloads.get(i), "frame " + i);
                    assertEquals(i, o.seqs.get(i));
                }
            }
        }
    }

    /** Cut the stream at every byte: the whole frames before the cut come out intact, then a typed truncation error. */
    @Test
    void truncationAtEveryByteKeepsWhatCameBeforeAndReportsTheCut() throws Exception {
        SplittableRandom r = Seeds.random("truncation at every byte");
        StreamFixtures.Stream s = StreamFixtures.make(r, 12, 3, FrameEncoder.Compression.LZ4);
        try (TestArena arena = TestArena.open()) {
            for (int cut = 0; cut < s.bytes().length; cut++) {
                byte[] head = java.util.Arrays.copyOf(s.bytes(), cut);
                Outcome o = read(arena, head, r, 1 + r.nextInt(64), ReaderOptions.defaults(), true);
                int whole = 0;
                while (whole < s.ends().size() && s.ends().get(whole) <= cut) {
                    whole++;
                }
                assertEquals(whole, o.payloads.size(), "cut at " + cut);
                for (int i = 0; i < whole; i++) {
                    assertArrayEquals(s.payloads().get(i), o.payloads.get(i));
                }
                assertEquals(1, o.errors.size(), "cut at " + cut + ": " + o.errors);
                assertTrue(
                        o.errors.get(0) instanceof TruncatedStreamException,
                        o.errors.get(0).toString());
            }
        }
    }

    /** Flipped bits never make the reader hand out a wrong payload, and are reported. */
    @Test
    void bitFlipsAreDetectedAndNeverYieldWrongData() throws Exception {
        SplittableRandom r = Seeds.random("bit flips");
        StreamFixtures.Stream s = StreamFixtures.make(r, 40, 5, FrameEncoder.Compression.LZ4);
        int undetected = 0;
        for (int trial = 0; trial < 2000; trial++) {
            byte[] bytes = s.bytes().clone();
            int at = r.nextInt(bytes.length);
            bytes[at] ^= (byte) (1 << r.nextInt(8));
            Outcome o;
            try (TestArena perTrial = TestArena.open()) {
                o = read(perTrial, bytes, r, 1 + r.nextInt(3000), ReaderOptions.defaults(), true);
                assertTrue(perTrial.largest() < 1 << 20, "allocation driven by a flipped size: " + perTrial.largest());
            }
            for (int i = 0; i < o.payloads.size(); i++) {
                long seq = o.seqs.get(i);
                assertTrue(seq < s.payloads().size(), "a flipped seq must not be handed out with data");
                assertArrayEquals(
                        s.payloads().get((int) seq),
                        o.payloads.get(i),
                        "frame with seq " + seq + " (flip at " + at + ")");
            }
            if (o.errors.isEmpty()) {
                undetected++;
            }
        }
        // Header fields outside the checksum (error bound, shape, unknown-field bytes)
        // can change undetected; payload bytes cannot. Most flips are caught.
        System.out.println("bit flips without an error (payload intact): " + undetected + " of 2000");
        assertTrue(undetected < 400, "too many undetected flips: " + undetected);
    }

    @Test
    void absurdDeclaredSizesFailBeforeAllocation() throws Exception {
        try (TestArena arena = TestArena.open()) {
            ReaderOptions opts = ReaderOptions.defaults().withMaxFrameBytes(1 << 20);
            // A length prefix of 2 GiB.
            byte[] hugePrefix = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08, 1, 2, 3};
            Outcome o = read(arena, hugePrefix, new SplittableRandom(1), 3, opts, false);
            assertTrue(o.errors.get(0) instanceof LimitExceededException, o.errors.toString());
            // A small frame declaring a 1 TiB decoded payload.
            byte[] frame = delimited(Frame.newBuilder()
                    .setKind(FrameKind.FRAME_KIND_KEY)
                    .setEncodingValue(1)
                    .setRawSize(1L << 40)
                    .setCompressedSize(3)
                    .setPayload(ByteString.copyFrom(new byte[] {1, 2, 3}))
                    .build());
            o = read(arena, frame, new SplittableRandom(1), 100, opts.withRequireChecksum(false), false);
            assertTrue(o.errors.get(0) instanceof LimitExceededException, o.errors.toString());
            // A malformed 6-byte length prefix.
            o = read(
                    arena,
                    new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01},
                    new SplittableRandom(1),
                    6,
                    opts,
                    false);
            assertTrue(o.errors.get(0) instanceof CorruptFrameException, o.errors.toString());
            assertTrue(arena.largest() < 64 << 10, "largest allocation " + arena.largest());
        }
    }

    @Test
    void everyKindOfBadFrameIsTypedAndTheStreamGoesOn() throws Exception {
        Frame.Builder good = Frame.newBuilder()
                .setStreamId(4)
                .setKind(FrameKind.FRAME_KIND_TOKENS)
                .setRawSize(2)
                .setCompressedSize(2)
                .setPayload(ByteString.copyFromUtf8("hi"));
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        long seq = 0;
        good.setSeq(seq++).build().writeDelimitedTo(bos);
        good.clone().setSeq(seq++).setKindValue(99).build().writeDelimitedTo(bos); // unknown kind
        good.clone().setSeq(seq++).setEncodingValue(7).build().writeDelimitedTo(bos); // unknown encoding
        good.clone().setSeq(seq++).setCompressedSize(5).build().writeDelimitedTo(bos); // size mismatch
        good.clone()
                .setSeq(seq++)
                .setRawSize(3)
                .setCompressedSize(2)
                .build()
                .writeDelimitedTo(bos); // raw size mismatch
        good.clone().setSeq(seq++).setChecksum(12345).build().writeDelimitedTo(bos); // checksum mismatch
        good.clone().setSeq(seq++).setEncodingValue(1).setRawSize(50).build().writeDelimitedTo(bos); // LZ4 garbage
        bos.write(new byte[] {3, 0x0F, 0, 0}); // malformed message
        good.setSeq(seq + 1).build().writeDelimitedTo(bos); // after the malformed one: gap of 1
        good.setSeq(seq + 2)
                .setKind(FrameKind.FRAME_KIND_END)
                .setRawSize(0)
                .setCompressedSize(0)
                .clearPayload()
                .build()
                .writeDelimitedTo(bos);
        try (TestArena arena = TestArena.open()) {
            Outcome o = read(arena, bos.toByteArray(), new SplittableRandom(2), 1000, NO_CHECKSUMS, true);
            List<Class<?>> types =
                    o.errors.stream().<Class<?>>map(Object::getClass).toList();
            assertEquals(
                    List.of(
                            UnsupportedFormatException.class,
                            UnsupportedFormatException.class,
                            CorruptFrameException.class,
                            CorruptFrameException.class,
                            ChecksumMismatchException.class,
                            CorruptFrameException.class,
                            CorruptFrameException.class,
                            SequenceException.class),
                    types,
                    o.errors.toString());
            assertEquals(List.of(0L, seq + 1, seq + 2), o.seqs);
            for (int i = 0; i < 6; i++) {
                assertEquals(4, o.errors.get(i).streamId());
                assertEquals(i + 1, o.errors.get(i).seq());
                assertTrue(o.errors.get(i).offset() > 0);
            }
        }
    }

    @Test
    void sequenceProblemsAreNamed() throws Exception {
        int[] order = {0, 1, 3, 3, 2, 4, 5};
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        for (int s : order) {
            Frame.newBuilder()
                    .setStreamId(1)
                    .setSeq(s)
                    .setKind(s == 4 ? FrameKind.FRAME_KIND_END : FrameKind.FRAME_KIND_TOKENS)
                    .build()
                    .writeDelimitedTo(bos);
        }
        try (TestArena arena = TestArena.open()) {
            Outcome o = read(arena, bos.toByteArray(), new SplittableRandom(3), 7, NO_CHECKSUMS, true);
            List<SequenceException.Problem> problems = o.errors.stream()
                    .map(e -> ((SequenceException) e).problem())
                    .toList();
            assertEquals(
                    List.of(
                            SequenceException.Problem.GAP,
                            SequenceException.Problem.DUPLICATE,
                            SequenceException.Problem.REORDERED,
                            SequenceException.Problem.AFTER_END),
                    problems);
            assertEquals(List.of(0L, 1L, 3L, 4L), o.seqs);
            assertEquals(2, ((SequenceException) o.errors.get(0)).expected());
        }
    }

    @Test
    void aStreamWithoutEndIsTruncatedEvenOnAFrameBoundary() throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        Frame.newBuilder()
                .setStreamId(8)
                .setKind(FrameKind.FRAME_KIND_TOKENS)
                .build()
                .writeDelimitedTo(bos);
        try (TestArena arena = TestArena.open()) {
            Outcome o = read(arena, bos.toByteArray(), new SplittableRandom(4), 100, NO_CHECKSUMS, true);
            assertEquals(1, o.payloads.size());
            assertTrue(o.errors.get(0) instanceof TruncatedStreamException);
            assertEquals(8, o.errors.get(0).streamId());
            // A stream that does not start at seq 0 is missing its head.
            bos.reset();
            Frame.newBuilder()
                    .setStreamId(8)
                    .setSeq(5)
                    .setKind(FrameKind.FRAME_KIND_END)
                    .build()
                    .writeDelimitedTo(bos);
            o = read(arena, bos.toByteArray(), new SplittableRandom(4), 100, NO_CHECKSUMS, true);
            assertEquals(SequenceException.Problem.GAP, ((SequenceException) o.errors.get(0)).problem());
            // ... unless the reader joins mid-stream on purpose.
            o = read(
                    arena,
                    bos.toByteArray(),
                    new SplittableRandom(4),
                    100,
                    NO_CHECKSUMS.withRequireStreamStart(false),
                    true);
            assertEquals(List.of(), o.errors);
        }
    }

    @Test
    void interleavedStreamsAreTrackedSeparately() throws Exception {
        SplittableRandom r = Seeds.random("interleaved streams");
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        long[] next = new long[3];
        boolean[] ended = new boolean[3];
        int open = 3;
        // The first three frames open all three streams, so that all three are open at once
        // whatever the seed (otherwise one stream could end before another starts, and the
        // two-stream limit below would never be hit).
        int opened = 0;
        while (open > 0) {
            int s = opened < 3 ? opened++ : r.nextInt(3);
            if (ended[s]) {
                continue;
            }
            boolean end = next[s] >= 5 && r.nextInt(4) == 0;
            Frame.newBuilder()
                    .setStreamId(100 + s)
                    .setSeq(next[s]++)
                    .setKind(end ? FrameKind.FRAME_KIND_END : FrameKind.FRAME_KIND_TOKENS)
                    .build()
                    .writeDelimitedTo(bos);
            if (end) {
                ended[s] = true;
                open--;
            }
        }
        try (TestArena arena = TestArena.open()) {
            Outcome o = read(arena, bos.toByteArray(), r, 17, NO_CHECKSUMS, true);
            assertEquals(List.of(), o.errors);
            assertEquals(next[0] + next[1] + next[2], o.seqs.size());
            Outcome limited = read(arena, bos.toByteArray(), r, 17, NO_CHECKSUMS.withMaxStreams(2), false);
            assertTrue(limited.errors.stream().anyMatch(e -> e instanceof LimitExceededException));
        }
    }

    @Test
    void readsFramesWrittenByProtobufItself() throws Exception {
        // writeDelimitedTo output (another implementation's bytes) reads like ours.
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        Frame.newBuilder()
                .setKind(FrameKind.FRAME_KIND_KEY)
                .addShape(2)
                .setRawSize(8)
                .setCompressedSize(8)
                .setChecksum(io.inferwire.lz4.XxHash32.hash(
                        MemorySegment.ofArray(new byte[8]),
                        0,
                        8,
                        FrameChecksum.seed(0, 0, FrameKind.FRAME_KIND_KEY.getNumber(), 0, new int[] {2})))
                .setPayload(ByteString.copyFrom(new byte[8]))
                .build()
                .writeDelimitedTo(bos);
        Frame.newBuilder()
                .setSeq(1)
                .setKind(FrameKind.FRAME_KIND_END)
                .setChecksum(io.inferwire.lz4.XxHash32.hash(
                        MemorySegment.NULL,
                        0,
                        0,
                        FrameChecksum.seed(0, 1, FrameKind.FRAME_KIND_END.getNumber(), 0, new int[0])))
                .build()
                .writeDelimitedTo(bos);
        try (TestArena arena = TestArena.open()) {
            Outcome o = read(arena, bos.toByteArray(), new SplittableRandom(5), 3, ReaderOptions.defaults(), true);
            assertEquals(List.of(), o.errors);
            assertEquals(2, o.payloads.size());
            assertFalse(o.payloads.get(0).length == 0);
        }
    }

    @Test
    void badInputThrowsOnlyTypedExceptions() throws Exception {
        SplittableRandom r = Seeds.random("garbage input");
        for (int trial = 0; trial < 3000; trial++) {
            byte[] junk = new byte[r.nextInt(200)];
            r.nextBytes(junk);
            if (r.nextBoolean() && junk.length > 0) {
                junk[0] = (byte) r.nextInt(junk.length); // plausible length prefix
            }
            try (TestArena perTrial = TestArena.open()) {
                read(perTrial, junk, r, 1 + r.nextInt(50), ReaderOptions.defaults(), true); // throws nothing untyped
                assertTrue(perTrial.largest() < 1 << 20, "allocation driven by junk: " + perTrial.largest());
            }
        }
    }

    static byte[] delimited(Frame f) throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        f.writeDelimitedTo(bos);
        return bos.toByteArray();
    }

    @Test
    void stuckReaderKeepsThrowing() {
        try (TestArena arena = TestArena.open()) {
            FrameStreamReader reader = new FrameStreamReader(arena);
            reader.feed(MemorySegment.ofArray(
                    new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0}));
            StreamException first = assertThrows(CorruptFrameException.class, reader::next);
            assertThrows(CorruptFrameException.class, reader::next);
            assertThrows(CorruptFrameException.class, reader::finish);
            assertTrue(first.offset() == 0);
        }
    }

    @Test
    void feedingBeforeDrainingIsAnError() throws Exception {
        SplittableRandom r = Seeds.random("feed before drain");
        StreamFixtures.Stream s = StreamFixtures.make(r, 5, 1, FrameEncoder.Compression.NONE);
        try (TestArena arena = TestArena.open()) {
            FrameStreamReader reader = new FrameStreamReader(arena);
            MemorySegment all = arena.allocate(s.bytes().length);
            MemorySegment.copy(MemorySegment.ofArray(s.bytes()), 0, all, 0, s.bytes().length);
            reader.feed(all);
            assertTrue(reader.next());
            // Frames of this chunk are still unread: feeding more would skip them.
            assertThrows(IllegalStateException.class, () -> reader.feed(all));
            int n = 1;
            while (reader.next()) {
                n++;
            }
            assertEquals(s.payloads().size(), n);
            reader.feed(MemorySegment.NULL);
            assertFalse(reader.next());
            reader.finish();
        }
    }
}
