package io.inferwire.tokens;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.inferwire.ChecksumMismatchException;
import io.inferwire.CorruptFrameException;
import io.inferwire.SequenceException;
import io.inferwire.StreamException;
import io.inferwire.TestArena;
import io.inferwire.TruncatedStreamException;
import io.inferwire.proto.v1.Frame;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.wire.FrameStreamReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class TokenCodecTest {

    static final StreamHeader HEADER = StreamHeader.newBuilder()
            .setRequestId("req-1")
            .setModel("m")
            .setCreated(1234)
            .build();

    /** Encodes the steps into one byte stream; frameEnds gets the end offset of every frame. */
    static byte[] encode(List<TokenStep> steps, double bound, int checkpoint, List<Integer> frameEnds) {
        return encode(steps, bound, checkpoint, frameEnds, true);
    }

    static byte[] encode(List<TokenStep> steps, double bound, int checkpoint, List<Integer> frameEnds, boolean prior) {
        try (TestArena arena = TestArena.open()) {
            TokenEncoder enc = TokenEncoder.builder()
                    .prior(prior)
                    .syncInterval(checkpoint == 7 ? 5 : 0)
                    .streamId(5)
                    .errorBound(bound)
                    .checkpointInterval(checkpoint)
                    .build(arena);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            enc.start(HEADER);
            add(out, enc, frameEnds);
            for (TokenStep s : steps) {
                enc.encode(s);
                add(out, enc, frameEnds);
            }
            enc.end();
            add(out, enc, frameEnds);
            assertEquals(out.size(), enc.bytesWritten());
            return out.toByteArray();
        }
    }

    private static void add(ByteArrayOutputStream out, TokenEncoder enc, List<Integer> ends) {
        out.writeBytes(enc.frame().toArray(ValueLayout.JAVA_BYTE));
        if (ends != null) {
            ends.add(out.size());
        }
    }

    /** Decodes a byte stream fed in chunks of random size; checks the header. */
    static List<TokenStep> decode(byte[] bytes, SplittableRandom rnd) throws StreamException {
        try (TestArena arena = TestArena.open()) {
            FrameStreamReader reader = new FrameStreamReader(arena);
            TokenDecoder dec = new TokenDecoder();
            MemorySegment all = arena.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, all, ValueLayout.JAVA_BYTE, 0, bytes.length);
            List<TokenStep> steps = new ArrayList<>();
            long at = 0;
            while (at < bytes.length) {
                long n = Math.min(bytes.length - at, rnd == null ? bytes.length : rnd.nextInt(1, 64));
                reader.feed(all.asSlice(at, n));
                at += n;
                while (reader.next()) {
                    TokenStep s = dec.accept(reader);
                    if (s != null) {
                        steps.add(s);
                    }
                }
            }
            reader.finish();
            assertTrue(dec.ended());
            assertEquals("req-1", dec.header().getRequestId());
            return steps;
        }
    }

    static TokenStep randomStep(SplittableRandom rnd, boolean withLogprobs) {
        int nIds = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(1, 3);
        int[] ids = new int[nIds];
        for (int i = 0; i < nIds; i++) {
            ids[i] = rnd.nextInt(8) == 0 ? rnd.nextInt(Integer.MAX_VALUE) : rnd.nextInt(50_000);
        }
        float[] lps = null;
        if (withLogprobs && nIds > 0 && rnd.nextBoolean()) {
            lps = new float[nIds];
            for (int i = 0; i < nIds; i++) {
                lps[i] = randomLogprob(rnd);
            }
        }
        String[] pieces = {"", " the", "é", "\uD83D\uDE00", " cat", ".", "\n", "##", " über", "中文"};
        byte[] text = pieces[rnd.nextInt(pieces.length)].getBytes(StandardCharsets.UTF_8);
        if (rnd.nextInt(6) == 0 && text.length > 1) {
            // split a multi-byte character between steps
            text = java.util.Arrays.copyOf(text, rnd.nextInt(1, text.length));
        }
        List<TopLogprob> top = List.of();
        if (withLogprobs && rnd.nextBoolean()) {
            int k = rnd.nextInt(1, 8);
            top = new ArrayList<>();
            float lp = 0;
            for (int i = 0; i < k; i++) {
                lp -= (float) rnd.nextDouble(0, 3);
                int id = i == 0 && nIds > 0 ? ids[nIds - 1] : rnd.nextInt(100_000);
                top.add(new TopLogprob(id, rnd.nextInt(10) == 0 ? randomLogprob(rnd) : lp));
            }
        }
        String finish = rnd.nextInt(10) == 0 ? (rnd.nextBoolean() ? "stop" : "weird-reason-ü") : null;
        Revision rev = rnd.nextInt(12) == 0 ? Revision.of(rnd.nextInt(100), rnd.nextBoolean() ? "" : "fixed") : null;
        byte[] extra = switch (rnd.nextInt(4)) {
            case 0 -> null;
            case 1 -> new byte[0];
            default -> ("{\"usage\":" + rnd.nextInt(3) + "}").getBytes(StandardCharsets.UTF_8);
        };
        return new TokenStep(ids, lps, text, top, finish, rev, extra);
    }

    static float randomLogprob(SplittableRandom rnd) {
        return switch (rnd.nextInt(8)) {
            case 0 -> Float.NaN;
            case 1 -> Float.NEGATIVE_INFINITY;
            case 2 -> Float.intBitsToFloat(0x7FC12345); // NaN with a payload
            case 3 -> -0.0f;
            case 4 -> -1e-30f;
            default -> (float) -rnd.nextDouble(0, 30);
        };
    }

    private static void assertSame(TokenStep want, TokenStep got, double bound, String where) {
        assertArrayEquals(want.tokenIds(), got.tokenIds(), where);
        assertArrayEquals(want.text(), got.text(), where);
        assertEquals(want.finishReason(), got.finishReason(), where);
        assertEquals(want.revision(), got.revision(), where);
        assertArrayEquals(want.extra(), got.extra(), where);
        assertEquals(want.logprobs().length, got.logprobs().length, where);
        for (int i = 0; i < want.logprobs().length; i++) {
            assertClose(want.logprobs()[i], got.logprobs()[i], bound, where);
        }
        assertEquals(want.topLogprobs().size(), got.topLogprobs().size(), where);
        for (int i = 0; i < want.topLogprobs().size(); i++) {
            assertEquals(
                    want.topLogprobs().get(i).tokenId(),
                    got.topLogprobs().get(i).tokenId(),
                    where);
            assertClose(
                    want.topLogprobs().get(i).logprob(),
                    got.topLogprobs().get(i).logprob(),
                    bound,
                    where);
        }
    }

    private static void assertClose(float want, float got, double bound, String where) {
        if (bound == 0 || !Float.isFinite(want)) {
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), where + ": " + want + " " + got);
        } else {
            assertTrue(Math.abs((double) want - got) <= bound, where + ": |" + want + " - " + got + "| > " + bound);
        }
    }

    @Property(tries = 150)
    void roundTripsRandomSteps(
            @ForAll @IntRange(min = 0, max = 120) int n,
            @ForAll @IntRange(min = 0, max = 3) int boundIndex,
            @ForAll @IntRange(min = 0, max = 9) int checkpoint,
            @ForAll long seed)
            throws StreamException {
        double bound = new double[] {0, 1e-4, 0.01, 0.5}[boundIndex];
        SplittableRandom rnd = new SplittableRandom(seed);
        List<TokenStep> steps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            steps.add(randomStep(rnd, true));
        }
        byte[] bytes = encode(steps, bound, checkpoint, null, rnd.nextBoolean());
        List<TokenStep> got = decode(bytes, rnd);
        assertEquals(steps.size(), got.size());
        for (int i = 0; i < n; i++) {
            assertSame(steps.get(i), got.get(i), bound, "step " + i);
        }
    }

    @Test
    void textStreamIsSmallAndParsesWithProtobuf() throws IOException {
        String text = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
                .repeat(20);
        List<TokenStep> steps = new ArrayList<>();
        for (String piece : text.split("(?=[ .,])")) {
            steps.add(TokenStep.ofText(piece));
        }
        byte[] bytes = encode(steps, 0, 64, null);
        double perToken = (double) bytes.length / steps.size();
        System.out.println(
                "repetitive text: " + steps.size() + " steps, " + bytes.length + " B, " + perToken + " B/step");
        assertTrue(perToken < 4, "B/step " + perToken);
        // Every frame parses with protobuf's generated classes.
        ByteArrayInputStream in = new ByteArrayInputStream(bytes);
        int frames = 0;
        int compact = 0;
        Frame f;
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        while ((f = Frame.parseDelimitedFrom(in)) != null) {
            f.writeDelimitedTo(again);
            frames++;
            if (f.hasStepBits() || f.hasStep()) {
                compact++;
            }
        }
        assertEquals(steps.size() + 2, frames);
        // What we write is byte for byte what protobuf-java writes for the same frames.
        assertArrayEquals(bytes, again.toByteArray());
        assertTrue(compact > steps.size() * 9 / 10);
        assertEquals(steps, decode(bytes, null));
    }

    /**
     * SYNTHETIC top-5 stream (no recording has logprobs): Zipf-distributed token ids,
     * top-1 sampled 80% of the time, logprobs falling by exponential gaps. Prints
     * B/token lossless and at two error bounds; the bound is asserted for every value.
     */
    @Test
    void syntheticTopFiveStream() throws StreamException {
        SplittableRandom rnd = io.inferwire.Seeds.random("syntheticTopFiveStream");
        String[] words = " the of and to in is that for it as with was on be by at this are from or an".split(" ");
        List<TokenStep> steps = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            int[] top = new int[5];
            float[] lp = new float[5];
            float at = (float) -Math.abs(rnd.nextGaussian() * 0.7);
            for (int k = 0; k < 5; k++) {
                top[k] = (int) Math.min(49_999, Math.floor(Math.pow(50_000, rnd.nextDouble())));
                lp[k] = at;
                at -= (float) (-Math.log(1 - rnd.nextDouble()) * 1.5);
            }
            int pick = rnd.nextInt(10) < 8 ? 0 : rnd.nextInt(1, 5);
            List<TopLogprob> t = new ArrayList<>();
            for (int k = 0; k < 5; k++) {
                t.add(new TopLogprob(top[k], lp[k]));
            }
            byte[] text = (" " + words[Math.min(words.length - 1, top[pick] % 37 % words.length)])
                    .getBytes(StandardCharsets.UTF_8);
            steps.add(new TokenStep(new int[] {top[pick]}, new float[] {lp[pick]}, text, t, null, null, null));
        }
        for (double bound : new double[] {0, 1e-3, 1e-2}) {
            byte[] bytes = encode(steps, bound, 64, null);
            List<TokenStep> got = decode(bytes, null);
            for (int i = 0; i < steps.size(); i++) {
                assertSame(steps.get(i), got.get(i), bound, "step " + i);
            }
            System.out.printf(
                    "SYNTHETIC top-5 stream, error bound %s: %.2f B/token%n",
                    bound, (double) bytes.length / steps.size());
        }
    }

    /** A decoder that lost frames resumes at the next sync point with the right steps. */
    @Test
    void decoderResumesAtASyncPoint() throws StreamException {
        SplittableRandom rnd = io.inferwire.Seeds.random("decoderResumesAtASyncPoint");
        List<TokenStep> steps = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            steps.add(randomStep(rnd, true));
        }
        List<byte[]> frames = new ArrayList<>();
        try (TestArena arena = TestArena.open()) {
            TokenEncoder enc = TokenEncoder.builder().checkpointInterval(0).build(arena);
            enc.start(HEADER);
            frames.add(enc.frame().toArray(ValueLayout.JAVA_BYTE));
            for (int i = 0; i < steps.size(); i++) {
                if (i == 20) {
                    enc.sync();
                }
                enc.encode(steps.get(i));
                frames.add(enc.frame().toArray(ValueLayout.JAVA_BYTE));
            }
            enc.end();
            frames.add(enc.frame().toArray(ValueLayout.JAVA_BYTE));
        }
        frames.remove(1 + 7); // step 7 is lost
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        frames.forEach(all::writeBytes);
        byte[] bytes = all.toByteArray();
        List<TokenStep> after = new ArrayList<>();
        int errors = 0;
        try (TestArena arena = TestArena.open()) {
            FrameStreamReader reader = new FrameStreamReader(arena);
            TokenDecoder dec = new TokenDecoder();
            MemorySegment seg = arena.allocate(bytes.length);
            seg.copyFrom(MemorySegment.ofArray(bytes));
            reader.feed(seg);
            while (true) {
                try {
                    if (!reader.next()) {
                        break;
                    }
                    long seq = reader.frame().seq();
                    TokenStep s = dec.accept(reader);
                    if (s != null && seq >= 21) {
                        after.add(s);
                    }
                } catch (StreamException e) {
                    errors++;
                }
            }
            reader.finish();
        }
        assertTrue(errors > 0, "the lost frame was reported");
        assertEquals(steps.subList(20, 40), after);
    }

    /** The encoder allocates (almost) nothing on the heap per step. */
    @Test
    void encoderAllocatesLittlePerStep() throws Exception {
        Object mx = java.lang.management.ManagementFactory.getThreadMXBean();
        java.lang.reflect.Method allocated;
        try {
            allocated =
                    Class.forName("com.sun.management.ThreadMXBean").getMethod("getThreadAllocatedBytes", long.class);
        } catch (ClassNotFoundException e) {
            org.junit.jupiter.api.Assumptions.abort("SKIPPED: no com.sun.management.ThreadMXBean");
            return;
        }
        long tid = Thread.currentThread().threadId();
        TokenStep[] steps = new TokenStep[64];
        for (int i = 0; i < steps.length; i++) {
            steps[i] =
                    TokenStep.of(1000 + i, " word" + (i % 7)).withExtra("{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        }
        try (TestArena arena = TestArena.open()) {
            TokenEncoder enc = TokenEncoder.builder().build(arena);
            enc.start(HEADER);
            for (int i = 0; i < 20_000; i++) {
                enc.encode(steps[i & 63]);
            }
            long before = (long) allocated.invoke(mx, tid);
            int n = 100_000;
            for (int i = 0; i < n; i++) {
                enc.encode(steps[i & 63]);
            }
            long per = ((long) allocated.invoke(mx, tid) - before) / n;
            System.out.println("encoder heap allocation: " + per + " B/step");
            assertTrue(per <= 64, per + " B/step");
        }
    }

    @Test
    void emojiSplitAcrossSteps() throws StreamException {
        byte[] smile = "a\uD83D\uDE00b".getBytes(StandardCharsets.UTF_8);
        List<TokenStep> steps = new ArrayList<>();
        for (byte b : smile) {
            steps.add(new TokenStep(null, null, new byte[] {b}, null, null, null, null));
        }
        steps.add(TokenStep.ofText("").withFinishReason("stop"));
        List<TokenStep> got = decode(encode(steps, 0, 0, null), null);
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        got.forEach(s -> joined.writeBytes(s.text()));
        assertArrayEquals(smile, joined.toByteArray());
        assertEquals("stop", got.getLast().finishReason());
        assertNull(got.getFirst().finishReason());
    }

    /** Every damaged stream ends in a StreamException, never another exception or a hang. */
    @Test
    void damagedStreamsFailTyped() throws StreamException {
        SplittableRandom rnd = io.inferwire.Seeds.random("damagedStreamsFailTyped");
        int[] outcomes = new int[4];
        for (int trial = 0; trial < 600; trial++) {
            List<TokenStep> steps = new ArrayList<>();
            int n = rnd.nextInt(5, 60);
            for (int i = 0; i < n; i++) {
                steps.add(randomStep(rnd, rnd.nextBoolean()));
            }
            List<Integer> ends = new ArrayList<>();
            byte[] good = encode(steps, rnd.nextBoolean() ? 0 : 1e-3, rnd.nextInt(0, 20), ends);
            byte[] bad;
            int mode = rnd.nextInt(4);
            switch (mode) {
                case 0 -> { // flip a bit
                    bad = good.clone();
                    int at = rnd.nextInt(bad.length);
                    bad[at] ^= (byte) (1 << rnd.nextInt(8));
                }
                case 1 -> { // cut
                    bad = java.util.Arrays.copyOf(good, rnd.nextInt(good.length));
                }
                case 2 -> { // drop one step frame
                    int f = rnd.nextInt(1, ends.size() - 1);
                    bad = splice(good, ends.get(f - 1), ends.get(f), null);
                }
                default -> { // duplicate one step frame, or swap two neighbours
                    int f = rnd.nextInt(1, ends.size() - 2);
                    byte[] frame = java.util.Arrays.copyOfRange(good, ends.get(f - 1), ends.get(f));
                    if (rnd.nextBoolean()) {
                        bad = splice(good, ends.get(f), ends.get(f), frame);
                    } else {
                        byte[] next = java.util.Arrays.copyOfRange(good, ends.get(f), ends.get(f + 1));
                        byte[] both = new byte[frame.length + next.length];
                        System.arraycopy(next, 0, both, 0, next.length);
                        System.arraycopy(frame, 0, both, next.length, frame.length);
                        bad = splice(good, ends.get(f - 1), ends.get(f + 1), both);
                        if (java.util.Arrays.equals(frame, next)) {
                            continue;
                        }
                    }
                }
            }
            try {
                List<TokenStep> got = decode(bad, rnd);
                assertTrue(mode == 0, "only a flipped bit can go undetected");
                // A flipped bit may land where it changes nothing decoded (the header's chain
                // field, the unused low bits of a unit's last byte before a full frame's check).
                if (!got.equals(decode(good, null))) {
                    fail("damage (mode " + mode + ") went undetected and changed the steps");
                }
                outcomes[0]++;
            } catch (SequenceException e) {
                outcomes[1]++;
            } catch (ChecksumMismatchException | CorruptFrameException e) {
                outcomes[2]++;
            } catch (TruncatedStreamException e) {
                outcomes[3]++;
            } catch (StreamException e) {
                outcomes[2]++;
            }
        }
        System.out.println(
                "undetected-but-harmless/sequence/corrupt/truncated: " + java.util.Arrays.toString(outcomes));
    }

    private static byte[] splice(byte[] b, int from, int to, byte[] insert) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(b, 0, from);
        if (insert != null) {
            out.writeBytes(insert);
        }
        out.write(b, to, b.length - to);
        return out.toByteArray();
    }
}
