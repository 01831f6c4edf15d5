package io.inferwire.wire.internal;

import static io.inferwire.memory.Layouts.INT_LE;
import static io.inferwire.memory.Layouts.LONG_LE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Protobuf wire-format primitives written straight into a segment. Each returns the
 * position after what it wrote; the caller has sized the space (with protobuf's own
 * {@code CodedOutputStream.computeXxxSize}). Exists because protobuf-java 4.36's
 * {@code CodedOutputStream.newInstance(ByteBuffer)} allocates about 96 bytes per
 * frame (it duplicates the buffer); the encoder's output is tested byte-for-byte
 * against protobuf-java's own serializer.
 */
public final class ProtoWriter {

    /** Wire type of varint fields. */
    public static final int VARINT = 0;
    /** Wire type of 64-bit fixed fields. */
    public static final int I64 = 1;
    /** Wire type of length-delimited fields. */
    public static final int LEN = 2;
    /** Wire type of 32-bit fixed fields. */
    public static final int I32 = 5;

    private ProtoWriter() {}

    /** Writes {@code value} as an unsigned varint. */
    public static long varint(MemorySegment s, long p, long value) {
        while ((value & ~0x7FL) != 0) {
            s.set(ValueLayout.JAVA_BYTE, p++, (byte) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        s.set(ValueLayout.JAVA_BYTE, p++, (byte) value);
        return p;
    }

    /** Writes a field tag. */
    public static long tag(MemorySegment s, long p, int field, int wireType) {
        return varint(s, p, ((long) field << 3) | wireType);
    }

    /** Writes a little-endian 32-bit value. */
    public static long fixed32(MemorySegment s, long p, int value) {
        s.set(INT_LE, p, value);
        return p + 4;
    }

    /** Writes a little-endian 64-bit value. */
    public static long fixed64(MemorySegment s, long p, long value) {
        s.set(LONG_LE, p, value);
        return p + 8;
    }
}
