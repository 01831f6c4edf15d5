package io.inferwire.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.inferwire.CorruptFrameException;
import io.inferwire.LimitExceededException;
import io.inferwire.StreamException;
import io.inferwire.proto.v1.Frame;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The flyweight parser against protobuf-java's generated parser, on the same bytes. */
class FrameViewTest {

    static Frame randomFrame(SplittableRandom r) {
        Frame.Builder b = Frame.newBuilder();
        if (r.nextBoolean()) {
            b.setStreamId(r.nextBoolean() ? r.nextLong() : r.nextInt(1000));
        }
        if (r.nextBoolean()) {
            b.setSeq(r.nextBoolean() ? r.nextLong() : r.nextInt(100_000));
        }
        b.setKindValue(r.nextInt(8));
        b.setEncodingValue(r.nextInt(4));
        if (r.nextBoolean()) {
            b.setErrorBound(r.nextInt(4) == 0 ? -0.0 : r.nextDouble() * 1e-2);
        }
        int rank = r.nextInt(FrameView.MAX_RANK + 1);
        for (int i = 0; i < rank; i++) {
            b.addShape(r.nextInt(5) == 0 ? r.nextInt() : r.nextInt(4096));
        }
        if (r.nextBoolean()) {
            b.setRawSize(r.nextInt(1 << 20));
        }
        if (r.nextBoolean()) {
            b.setCompressedSize(r.nextInt(1 << 20));
        }
        if (r.nextBoolean()) {
            b.setChecksum(r.nextInt());
        }
        byte[] payload = new byte[r.nextInt(300)];
        r.nextBytes(payload);
        b.setPayload(ByteString.copyFrom(payload));
        return b.build();
    }

    static void assertSameFrame(Frame expected, FrameView v) {
        assertEquals(expected.getStreamId(), v.streamId(), "stream_id");
        assertEquals(expected.getSeq(), v.seq(), "seq");
        assertEquals(expected.getKindValue(), v.kindNumber(), "kind");
        assertEquals(expected.getEncodingValue(), v.encodingNumber(), "encoding");
        assertEquals(
                Double.doubleToRawLongBits(expected.getErrorBound()),
                Double.doubleToRawLongBits(v.errorBound()),
                "error_bound");
        assertEquals(expected.getShapeCount(), v.rank(), "rank");
        for (int i = 0; i < v.rank(); i++) {
            assertEquals(Integer.toUnsignedLong(expected.getShape(i)), v.dim(i), "dim " + i);
        }
        assertEquals(expected.getRawSize(), v.rawSize(), "raw_size");
        assertEquals(expected.getCompressedSize(), v.compressedSize(), "compressed_size");
        assertEquals(expected.hasChecksum(), v.hasChecksum(), "has checksum");
        assertEquals(expected.getChecksum(), v.checksum(), "checksum");
        assertArrayEquals(
                expected.getPayload().toByteArray(),
                v.payload().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                "payload");
    }

    private static FrameView parse(byte[] bytes) throws StreamException {
        // At an offset inside a larger segment, to catch offset arithmetic slips.
        MemorySegment s = MemorySegment.ofArray(new byte[bytes.length + 7]);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, s, 3, bytes.length);
        return new FrameView().wrap(s, 3, bytes.length);
    }

    @Property(tries = 500)
    void canonicalEncodingParsesLikeGenerated(@ForAll long seed) throws Exception {
        Frame f = randomFrame(new SplittableRandom(seed));
        assertSameFrame(f, parse(f.toByteArray()));
    }

    /**
     * Fields in random order, repeated (last wins), shape unpacked or split into several
     * packed runs, unknown fields of every wire type (groups included) in between.
     */
    @Property(tries = 500)
    void anyValidEncodingParsesLikeGenerated(@ForAll long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        Frame f = randomFrame(r);
        byte[] bytes = scrambled(f, r);
        Frame generated = Frame.parseFrom(bytes);
        FrameView v;
        try {
            v = parse(bytes);
        } catch (StreamException e) {
            throw new AssertionError(java.util.HexFormat.of().formatHex(bytes), e);
        }
        assertSameFrame(generated, v);
        // and the scrambling kept the message's meaning
        assertEquals(
                f,
                generated.toBuilder()
                        .setUnknownFields(com.google.protobuf.UnknownFieldSet.getDefaultInstance())
                        .build());
    }

    /** Truncation at every byte and random bit flips: both parsers accept (and agree) or both reject. */
    @Property(tries = 300)
    void damagedBytesAreRejectedExactlyWhenGeneratedRejects(
            @ForAll long seed, @ForAll @IntRange(min = 0, max = 3) int flips) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] bytes = scrambled(randomFrame(r), r);
        List<byte[]> variants = new ArrayList<>();
        for (int cut = 0; cut < bytes.length; cut += 1 + bytes.length / 40) {
            variants.add(java.util.Arrays.copyOf(bytes, cut));
        }
        byte[] flipped = bytes.clone();
        for (int i = 0; i < flips && flipped.length > 0; i++) {
            flipped[r.nextInt(flipped.length)] ^= (byte) (1 << r.nextInt(8));
        }
        variants.add(flipped);
        for (byte[] v : variants) {
            Frame generated;
            try {
                generated = Frame.parseFrom(v);
            } catch (InvalidProtocolBufferException e) {
                // Rejected too: as corrupt, or for a rank over the limit met before the damage.
                StreamException ours = assertThrows(
                        StreamException.class, () -> parse(v), "generated parser rejects: " + e.getMessage());
                assertTrue(
                        ours instanceof CorruptFrameException || ours instanceof LimitExceededException,
                        ours.toString());
                continue;
            }
            if (generated.getShapeCount() > FrameView.MAX_RANK) {
                assertThrows(LimitExceededException.class, () -> parse(v));
                continue;
            }
            try {
                assertSameFrame(generated, parse(v));
            } catch (CorruptFrameException e) {
                // The generated parser is lenient in corners (it stops at a 0 tag and
                // ignores the rest; it accepts some malformed varints inside unknown
                // groups). We are as strict as protobuf's own wire-level reader.
                if (wireLevelValid(v)) {
                    throw new AssertionError(
                            "generated parser accepts "
                                    + java.util.HexFormat.of().formatHex(v) + " but: " + e,
                            e);
                }
            } catch (StreamException e) {
                throw new AssertionError(
                        "generated parser accepts " + java.util.HexFormat.of().formatHex(v) + " but: " + e, e);
            }
        }
    }

    /** Whether protobuf's CodedInputStream can walk every field of {@code bytes} to the end. */
    static boolean wireLevelValid(byte[] bytes) {
        com.google.protobuf.CodedInputStream in = com.google.protobuf.CodedInputStream.newInstance(bytes);
        try {
            while (!in.isAtEnd()) {
                int tag = in.readTag();
                if (!in.skipField(tag)) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void malformedMessagesAreTypedErrors() {
        byte[][] bad = {
            {0x08}, // varint field without a value
            {0x08, (byte) 0x80, (byte) 0x80}, // truncated varint
            {
                0x08,
                (byte) 0xFF,
                (byte) 0xFF,
                (byte) 0xFF,
                (byte) 0xFF,
                (byte) 0xFF,
                (byte) 0xFF,
                (byte) 0xFF,
                (byte) 0xFF,
                (byte) 0xFF,
                (byte) 0xFF,
                0x01
            }, // 11-byte varint
            {0x00, 0x01}, // field number 0
            {0x7A, 0x05, 1, 2}, // payload length past the end
            {0x7A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F}, // negative length
            {0x29, 1, 2, 3}, // truncated fixed64
            {0x4D, 1, 2}, // truncated fixed32
            {0x0E}, // wire type 6
            {0x0F}, // wire type 7
            {(byte) 0xA3, 0x01, 0x08, 0x01}, // group 20 never closed
            {(byte) 0xA4, 0x01}, // end-group without start
            {(byte) 0xA3, 0x01, (byte) 0xAC, 0x01}, // group 20 closed by end-group 21
            {0x32, 0x02, (byte) 0x80, (byte) 0x80}, // packed shape with a varint cut by its run
        };
        for (byte[] b : bad) {
            assertThrows(
                    InvalidProtocolBufferException.class,
                    () -> Frame.parseFrom(b),
                    java.util.HexFormat.of().formatHex(b));
            assertThrows(
                    CorruptFrameException.class,
                    () -> parse(b),
                    java.util.HexFormat.of().formatHex(b));
        }
    }

    @Test
    void rankBeyondTheLimitIsALimitError() {
        Frame.Builder b = Frame.newBuilder();
        for (int i = 0; i <= FrameView.MAX_RANK; i++) {
            b.addShape(2);
        }
        byte[] bytes = b.build().toByteArray();
        assertThrows(LimitExceededException.class, () -> parse(bytes));
    }

    @Test
    void emptyMessageIsAllDefaults() throws Exception {
        assertSameFrame(Frame.getDefaultInstance(), parse(new byte[0]));
    }

    /** Re-encodes {@code f} field by field in random order, with noise protobuf must ignore. */
    static byte[] scrambled(Frame f, SplittableRandom r) throws IOException {
        List<Writer> fields = new ArrayList<>();
        Frame decoy = randomFrame(r);
        // Earlier, overridden values of singular fields (last one wins).
        if (r.nextBoolean()) {
            fields.add(o -> o.writeUInt64(1, decoy.getStreamId()));
        }
        if (r.nextBoolean()) {
            fields.add(o -> o.writeBytes(15, decoy.getPayload()));
        }
        if (r.nextBoolean() && f.hasChecksum()) {
            fields.add(o -> o.writeFixed32(9, decoy.getChecksum()));
        }
        Collections.shuffle(fields, new java.util.Random(r.nextLong()));
        List<Writer> real = new ArrayList<>();
        real.add(o -> o.writeUInt64(1, f.getStreamId()));
        real.add(o -> o.writeUInt64(2, f.getSeq()));
        real.add(o -> o.writeEnum(3, f.getKindValue()));
        real.add(o -> o.writeEnum(4, f.getEncodingValue()));
        real.add(o -> o.writeDouble(5, f.getErrorBound()));
        real.add(o -> o.writeUInt64(7, f.getRawSize()));
        real.add(o -> o.writeUInt64(8, f.getCompressedSize()));
        real.add(o -> o.writeBytes(15, f.getPayload()));
        if (f.hasChecksum()) {
            real.add(o -> o.writeFixed32(9, f.getChecksum()));
        }
        for (int i = 0; i < 3; i++) {
            int field = 20 + r.nextInt(1000);
            long v = r.nextLong();
            real.add(
                    switch (r.nextInt(5)) {
                        case 0 -> o -> o.writeUInt64(field, v);
                        case 1 -> o -> o.writeFixed64(field, v);
                        case 2 -> o -> o.writeFixed32(field, (int) v);
                        case 3 -> o -> o.writeByteArray(field, new byte[r.nextInt(20)]);
                        default ->
                            o -> {
                                o.writeTag(field, 3);
                                o.writeUInt64(field + 1, v);
                                o.writeTag(field + 2, 3);
                                o.writeFixed32(1, (int) v);
                                o.writeTag(field + 2, 4);
                                o.writeTag(field, 4);
                            };
                    });
        }
        // A known field number with the wrong wire type is an unknown field.
        real.add(o -> o.writeFixed64(2, r.nextLong()));
        Collections.shuffle(real, new java.util.Random(r.nextLong()));
        // Singular fields must keep their relative order after the decoys: write the
        // decoys first, then the shuffled real fields; the shape runs go anywhere since
        // repeated values concatenate in order.
        fields.addAll(real);
        List<Integer> shape = f.getShapeList();
        int split = shape.isEmpty() ? 0 : r.nextInt(shape.size() + 1);
        boolean packed = r.nextBoolean();
        Writer shapeWriter = o -> {
            writeShapeRun(o, shape.subList(0, split), packed);
            writeShapeRun(o, shape.subList(split, shape.size()), !packed);
        };
        fields.add(fields.size() - r.nextInt(real.size() + 1), shapeWriter);

        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bos);
        for (Writer w : fields) {
            w.write(out);
        }
        out.flush();
        return bos.toByteArray();
    }

    private static void writeShapeRun(CodedOutputStream o, List<Integer> dims, boolean packed) throws IOException {
        if (dims.isEmpty()) {
            return;
        }
        if (!packed) {
            for (int d : dims) {
                o.writeUInt32(6, d);
            }
            return;
        }
        int size = 0;
        for (int d : dims) {
            size += CodedOutputStream.computeUInt32SizeNoTag(d);
        }
        o.writeTag(6, 2);
        o.writeUInt32NoTag(size);
        for (int d : dims) {
            o.writeUInt32NoTag(d);
        }
    }

    @FunctionalInterface
    interface Writer {
        void write(CodedOutputStream out) throws IOException;
    }
}
