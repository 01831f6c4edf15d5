package io.inferwire.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferwire.Seeds;
import io.inferwire.TestArena;
import io.inferwire.lz4.XxHash32;
import io.inferwire.proto.v1.Encoding;
import io.inferwire.proto.v1.Frame;
import io.inferwire.proto.v1.FrameKind;
import java.io.ByteArrayInputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import net.jpountz.lz4.LZ4Factory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FrameEncoderTest {

    @Test
    void framesAreStandardDelimitedProtobufMessages() throws Exception {
        SplittableRandom r = Seeds.random("encoder vs parseDelimitedFrom");
        try (TestArena arena = TestArena.open()) {
            for (FrameEncoder.Compression c : FrameEncoder.Compression.values()) {
                FrameEncoder enc = new FrameEncoder(arena, 8192, c, true);
                MemorySegment payload = arena.allocate(8192 + 5);
                for (int trial = 0; trial < 300; trial++) {
                    int len = r.nextInt(8193);
                    boolean compressible = r.nextBoolean();
                    for (int i = 0; i < len; i++) {
                        payload.set(ValueLayout.JAVA_BYTE, 5 + i, (byte) (compressible ? i % 7 : r.nextInt()));
                    }
                    long id = r.nextLong();
                    long seq = r.nextInt(3) == 0 ? 0 : r.nextLong() & Long.MAX_VALUE;
                    FrameKind kind = FrameKind.forNumber(1 + r.nextInt(5));
                    double bound = r.nextBoolean() ? 0 : r.nextDouble();
                    int[] shape = new int[r.nextInt(FrameView.MAX_RANK + 1)];
                    for (int i = 0; i < shape.length; i++) {
                        shape[i] = r.nextInt(Integer.MAX_VALUE);
                    }
                    int n = enc.encode(id, seq, kind, bound, shape, payload, 5, len);
                    byte[] wire = enc.buffer().asSlice(enc.frameOffset(), n).toArray(ValueLayout.JAVA_BYTE);
                    ByteArrayInputStream in = new ByteArrayInputStream(wire);
                    Frame f = Frame.parseDelimitedFrom(in);
                    assertEquals(0, in.available(), "the length prefix covers exactly the message");
                    assertEquals(id, f.getStreamId());
                    assertEquals(seq, f.getSeq());
                    assertEquals(kind, f.getKind());
                    assertEquals(bound, f.getErrorBound());
                    assertEquals(shape.length, f.getShapeCount());
                    for (int i = 0; i < shape.length; i++) {
                        assertEquals(shape[i], f.getShape(i));
                    }
                    assertEquals(
                            f.getEncoding() == io.inferwire.proto.v1.Encoding.ENCODING_RAW ? 0 : len, f.getRawSize());
                    assertEquals(0, f.getCompressedSize(), "compressed_size is the payload's length: left out");
                    byte[] original = payload.asSlice(5, len).toArray(ValueLayout.JAVA_BYTE);
                    assertTrue(f.hasChecksum());
                    assertEquals(
                            XxHash32.hash(payload, 5, len, FrameChecksum.seed(id, seq, kind.getNumber(), bound, shape)),
                            f.getChecksum());
                    byte[] decoded = f.getEncoding() == Encoding.ENCODING_LZ4_BLOCK
                            ? LZ4Factory.nativeInstance()
                                    .safeDecompressor()
                                    .decompress(f.getPayload().toByteArray(), len)
                            : f.getPayload().toByteArray();
                    assertArrayEquals(original, decoded);
                    assertEquals(enc.lastEncoding(), f.getEncoding());
                    if (c == FrameEncoder.Compression.NONE || len < FrameEncoder.MIN_COMPRESS_BYTES) {
                        assertEquals(Encoding.ENCODING_RAW, f.getEncoding());
                    } else if (compressible && len > 100) {
                        assertEquals(Encoding.ENCODING_LZ4_BLOCK, f.getEncoding(), "compressible payload of " + len);
                    }
                    if (f.getEncoding() == Encoding.ENCODING_LZ4_BLOCK) {
                        assertTrue(f.getPayload().size() < len, "LZ4 only when it pays");
                    }
                    // Byte for byte what protobuf-java's own serializer writes for this message.
                    java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
                    f.writeDelimitedTo(expected);
                    assertArrayEquals(expected.toByteArray(), wire, "identical to Frame.writeDelimitedTo");
                    // And the flyweight reads the same message in place.
                    FrameView v = new FrameView()
                            .wrap(enc.buffer(), enc.frameOffset() + (n - f.getSerializedSize()), f.getSerializedSize());
                    FrameViewTest.assertSameFrame(f, v);
                }
            }
        }
    }

    @Test
    void invalidArgumentsAreRejectedBeforeWriting() {
        try (TestArena arena = TestArena.open()) {
            FrameEncoder enc = new FrameEncoder(arena, 16, FrameEncoder.Compression.LZ4, true);
            MemorySegment p = arena.allocate(32);
            int[] none = new int[0];
            assertThrows(
                    IllegalArgumentException.class,
                    () -> enc.encode(0, 0, FrameKind.FRAME_KIND_KEY, 0, none, p, 0, 17));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> enc.encode(0, 0, FrameKind.FRAME_KIND_UNSPECIFIED, 0, none, p, 0, 1));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> enc.encode(0, 0, FrameKind.FRAME_KIND_KEY, Double.NaN, none, p, 0, 1));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> enc.encode(0, 0, FrameKind.FRAME_KIND_KEY, -1, none, p, 0, 1));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> enc.encode(0, 0, FrameKind.FRAME_KIND_KEY, 0, new int[] {-1}, p, 0, 1));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> enc.encode(0, 0, FrameKind.FRAME_KIND_KEY, 0, new int[9], p, 0, 1));
            assertThrows(
                    IndexOutOfBoundsException.class,
                    () -> enc.encode(0, 0, FrameKind.FRAME_KIND_KEY, 0, none, p, 20, 16));
        }
    }

    /** {@code protoc --decode=inferwire.v1.Frame} prints a readable frame from one message we write. */
    @Test
    void protocDecodesAFrame(@TempDir Path dir) throws Exception {
        Path protoc = findProtoc();
        Assumptions.assumeTrue(protoc != null, "SKIPPED: no protoc (neither the build's nor one on PATH)");
        Path protoDir = Path.of(System.getProperty("inferwire.proto.dir", "proto"));
        try (TestArena arena = TestArena.open()) {
            FrameEncoder enc = new FrameEncoder(arena, 4096, FrameEncoder.Compression.LZ4, true);
            MemorySegment row = arena.allocate(1536);
            for (int i = 0; i < 384; i++) {
                row.setAtIndex(io.inferwire.memory.Layouts.FLOAT_LE, i, i % 3);
            }
            int n = enc.encode(7, 42, FrameKind.FRAME_KIND_KEY, 1e-4, new int[] {384}, row, 0, 1536);
            byte[] delimited = enc.buffer().asSlice(enc.frameOffset(), n).toArray(ValueLayout.JAVA_BYTE);
            int prefix = 1;
            while (delimited[prefix - 1] < 0) {
                prefix++;
            }
            Path msg = dir.resolve("frame.bin");
            Files.write(msg, java.util.Arrays.copyOfRange(delimited, prefix, delimited.length));
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
            for (String line : new String[] {
                "stream_id: 7",
                "seq: 42",
                "kind: FRAME_KIND_KEY",
                "encoding: ENCODING_LZ4_BLOCK",
                "error_bound: 0.0001",
                "shape: 384",
                "raw_size: 1536",
                "checksum: ",
                "payload: \""
            }) {
                assertTrue(out.contains(line), "protoc output lacks '" + line + "':\n" + out);
            }
            assertFalse(out.contains("15:"), "payload decoded as a named field, not an unknown one");
        }
    }

    static Path findProtoc() {
        String built = System.getProperty("inferwire.protoc");
        if (built != null && Files.isRegularFile(Path.of(built))) {
            Path p = Path.of(built);
            p.toFile().setExecutable(true);
            return p;
        }
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(d, "protoc");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
