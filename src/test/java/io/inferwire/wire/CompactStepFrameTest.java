package io.inferwire.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferwire.ChecksumMismatchException;
import io.inferwire.CorruptFrameException;
import io.inferwire.SequenceException;
import io.inferwire.StreamException;
import io.inferwire.TestArena;
import io.inferwire.proto.v1.FrameKind;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.tokens.TokenEncoder;
import io.inferwire.tokens.TokenStep;
import io.inferwire.wire.internal.CompactStep;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reader's handling of compact token step frames (implied stream and seq, chain hash). */
class CompactStepFrameTest {

    /** Frames of a token stream: header, n text steps (no checkpoints), END. */
    static List<byte[]> frames(int n) {
        List<byte[]> out = new ArrayList<>();
        try (TestArena arena = TestArena.open()) {
            TokenEncoder enc =
                    TokenEncoder.builder().streamId(9).checkpointInterval(0).build(arena);
            enc.start(StreamHeader.getDefaultInstance());
            out.add(enc.frame().toArray(ValueLayout.JAVA_BYTE));
            for (int i = 0; i < n; i++) {
                enc.encode(TokenStep.ofText(" word" + i));
                out.add(enc.frame().toArray(ValueLayout.JAVA_BYTE));
            }
            enc.end();
            out.add(enc.frame().toArray(ValueLayout.JAVA_BYTE));
        }
        return out;
    }

    /** Reads all frames; returns (kind, seq) per frame handed out, or throws the first error. */
    static List<String> read(List<byte[]> frames) throws StreamException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        frames.forEach(b::writeBytes);
        byte[] bytes = b.toByteArray();
        List<String> seen = new ArrayList<>();
        try (TestArena arena = TestArena.open()) {
            MemorySegment s = arena.allocate(Math.max(1, bytes.length));
            s.copyFrom(MemorySegment.ofArray(bytes));
            FrameStreamReader r = new FrameStreamReader(arena);
            r.feed(s.asSlice(0, bytes.length));
            while (r.next()) {
                seen.add(r.frame().kind() + "@" + r.frame().streamId() + "/"
                        + r.frame().seq() + (r.frame().isCompactStep() ? "c" : ""));
            }
            r.finish();
        }
        return seen;
    }

    @Test
    void compactFramesTakeTheirStreamAndSeqFromTheFrameBefore() throws StreamException {
        List<String> seen = read(frames(3));
        assertEquals(
                List.of(
                        "FRAME_KIND_HEADER@9/0",
                        "FRAME_KIND_TOKENS@9/1c",
                        "FRAME_KIND_TOKENS@9/2c",
                        "FRAME_KIND_TOKENS@9/3c",
                        "FRAME_KIND_END@9/4"),
                seen);
    }

    @Test
    void compactFrameWithoutAStreamBeforeItIsCorrupt() {
        List<byte[]> f = frames(2);
        assertThrows(CorruptFrameException.class, () -> read(List.of(f.get(1))));
        List<byte[]> afterEnd = new ArrayList<>(f);
        afterEnd.add(f.get(1));
        assertThrows(CorruptFrameException.class, () -> read(afterEnd));
    }

    @Test
    void lostRepeatedOrSwappedCompactFramesAreDetectedAtTheNextFullFrame() {
        List<byte[]> f = frames(4);
        List<byte[]> lost = new ArrayList<>(f);
        lost.remove(2);
        SequenceException gap = assertThrows(SequenceException.class, () -> read(lost));
        assertEquals(SequenceException.Problem.GAP, gap.problem());
        List<byte[]> repeated = new ArrayList<>(f);
        repeated.add(2, f.get(2));
        assertThrows(SequenceException.class, () -> read(repeated));
        List<byte[]> swapped = new ArrayList<>(f);
        swapped.set(2, f.get(3));
        swapped.set(3, f.get(2));
        assertThrows(ChecksumMismatchException.class, () -> read(swapped));
    }

    @Test
    void compactFramesAreExemptFromTheChecksumRequirementButFullFramesAreNot() throws StreamException {
        List<byte[]> f = frames(1);
        assertEquals(3, read(f).size());
        assertTrue(new ReaderOptions(1 << 20, 4, true, true).requireChecksum());
    }

    @Property(tries = 300)
    void packUnpackRoundTrips(@ForAll @Size(max = 8) List<Byte> unit) {
        byte[] u = new byte[unit.size()];
        for (int i = 0; i < u.length; i++) {
            u[i] = unit.get(i);
        }
        MemorySegment s = MemorySegment.ofArray(u);
        if (!CompactStep.packs(s, 0, u.length)) {
            assertTrue(u.length > 0 && u[u.length - 1] == 0);
            return;
        }
        long v = CompactStep.pack(s, 0, u.length);
        byte[] back = new byte[8];
        int n = CompactStep.unpack(v, MemorySegment.ofArray(back), 0);
        assertEquals(u.length, n);
        assertArrayEquals(u, java.util.Arrays.copyOf(back, n));
    }

    /** protoc --decode shows a compact step frame as a readable Frame with step_bits. */
    @Test
    void protocDecodesACompactFrame(@TempDir Path dir) throws Exception {
        Path protoc = FrameEncoderTest.findProtoc();
        Assumptions.assumeTrue(protoc != null, "SKIPPED: no protoc (neither the build's nor one on PATH)");
        Path protoDir = Path.of(System.getProperty("inferwire.proto.dir", "proto"));
        List<byte[]> f = frames(2);
        for (int i : new int[] {1, f.size() - 1}) {
            byte[] d = f.get(i);
            int prefix = 1;
            while (d[prefix - 1] < 0) {
                prefix++;
            }
            Path msg = dir.resolve("frame" + i + ".bin");
            Files.write(msg, java.util.Arrays.copyOfRange(d, prefix, d.length));
            Process p = new ProcessBuilder(
                            protoc.toString(),
                            "--proto_path=" + protoDir,
                            "--decode=inferwire.v1.Frame",
                            "inferwire/v1/frame.proto")
                    .redirectInput(msg.toFile())
                    .redirectErrorStream(true)
                    .start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), out);
            if (i == 1) {
                assertTrue(out.startsWith("step_bits: "), out);
            } else {
                assertTrue(out.contains("kind: FRAME_KIND_END") && out.contains("chain: "), out);
            }
            assertFalse(out.contains("12:") || out.contains("14:"), out);
        }
        assertEquals(FrameKind.FRAME_KIND_TOKENS, FrameKind.forNumber(4));
    }
}
