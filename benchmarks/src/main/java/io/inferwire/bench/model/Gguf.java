package io.inferwire.bench.model;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (version 2 or 3, little-endian), memory-mapped: its metadata and its tensors.
 *
 * <p>Metadata values are mapped to Java as follows: 8-, 16- and signed 32-bit integers to
 * {@link Integer}; unsigned 32-bit and all 64-bit integers to {@link Long} (an unsigned 64-bit value keeps
 * its bits); {@code float32} to {@link Float}; {@code float64} to {@link Double}; {@code bool} to
 * {@link Boolean}; strings to {@link String}; arrays to unmodifiable {@link List}s of those.
 *
 * <p>Only F32 tensors can be read; the header, the counts and every tensor's place in the file are
 * checked on {@link #read}.
 */
public final class Gguf {

    private static final int MAGIC = 0x46554747; // "GGUF", read little-endian
    private static final int TYPE_F32 = 0;
    private static final int MAX_DIMS = 4;
    private static final long DEFAULT_ALIGNMENT = 32;

    private static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Where one tensor lies: its dims (fastest-varying first), ggml type and offset in the data section. */
    private record TensorInfo(long[] dims, int type, long offset) {

        long elements() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }
    }

    private final Map<String, Object> metadata;
    private final Map<String, TensorInfo> tensors;
    private final MemorySegment data;

    private Gguf(Map<String, Object> metadata, Map<String, TensorInfo> tensors, MemorySegment data) {
        this.metadata = metadata;
        this.tensors = tensors;
        this.data = data;
    }

    /**
     * Maps and parses a GGUF file.
     *
     * @param file the file
     * @return the parsed file; its tensor data stays mapped until it is unreachable
     * @throws IOException if the file cannot be read or is not a well-formed little-endian GGUF v2 or v3 file
     */
    public static Gguf read(Path file) throws IOException {
        MemorySegment seg;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), Arena.ofAuto());
        }
        Reader in = new Reader(seg, file);
        if (in.i32() != MAGIC) {
            throw new IOException(file + ": not a GGUF file (bad magic)");
        }
        int version = in.i32();
        if (version != 2 && version != 3) {
            throw new IOException(file + ": unsupported GGUF version " + Integer.toUnsignedString(version)
                    + " (only little-endian v2 and v3 are read)");
        }
        long tensorCount = in.count(24, "tensor count"); // name length, n_dims, one dim, type, offset
        long kvCount = in.count(12, "metadata count"); // key length, value type

        Map<String, Object> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = in.string();
            Object value = in.value(in.i32());
            if (metadata.putIfAbsent(key, value) != null) {
                throw new IOException(file + ": duplicate metadata key " + key);
            }
        }
        long alignment = DEFAULT_ALIGNMENT;
        if (metadata.containsKey("general.alignment")) {
            if (!(metadata.get("general.alignment") instanceof Long a) || a <= 0 || Long.bitCount(a) != 1) {
                throw new IOException(file + ": general.alignment must be a uint32 power of two");
            }
            alignment = a;
        }

        Map<String, TensorInfo> tensors = new HashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = in.string();
            int nDims = in.i32();
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw new IOException(file + ": tensor " + name + " has " + nDims + " dims (1 to 4 allowed)");
            }
            long[] dims = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                dims[d] = in.i64();
                if (dims[d] < 0) {
                    throw new IOException(file + ": tensor " + name + " has a negative dim");
                }
                try {
                    elements = Math.multiplyExact(elements, dims[d]);
                } catch (ArithmeticException e) {
                    throw new IOException(file + ": tensor " + name + " has too many elements", e);
                }
            }
            TensorInfo info = new TensorInfo(dims, in.i32(), in.i64());
            if (info.offset < 0 || info.offset % alignment != 0) {
                throw new IOException(file + ": tensor " + name + " has a bad offset " + info.offset);
            }
            if (info.type == TYPE_F32 && elements > Long.MAX_VALUE / Float.BYTES) {
                throw new IOException(file + ": tensor " + name + " has too many elements");
            }
            if (tensors.putIfAbsent(name, info) != null) {
                throw new IOException(file + ": duplicate tensor " + name);
            }
        }

        long dataStart = (in.pos + alignment - 1) / alignment * alignment;
        if (dataStart > seg.byteSize() && !tensors.isEmpty()) {
            throw new IOException(file + ": truncated before the tensor data");
        }
        MemorySegment data = seg.asSlice(Math.min(dataStart, seg.byteSize()));
        for (Map.Entry<String, TensorInfo> e : tensors.entrySet()) {
            TensorInfo t = e.getValue();
            long size = t.type == TYPE_F32 ? t.elements() * Float.BYTES : 0; // other types: only the offset
            if (t.offset > data.byteSize() - size) {
                throw new IOException(file + ": tensor " + e.getKey() + " lies beyond the end of the file");
            }
        }
        return new Gguf(Collections.unmodifiableMap(metadata), tensors, data);
    }

    /** The metadata, keyed and ordered as in the file; see the class comment for the value types. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** Whether the file holds a tensor of this name. */
    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /**
     * A tensor's dims, fastest-varying first (GGUF's order: {@code dims[0]} is the row length).
     *
     * @throws IllegalArgumentException if there is no such tensor
     */
    public long[] dims(String name) {
        return info(name).dims.clone();
    }

    /**
     * An F32 tensor's values, row-major with rows of {@code dims(name)[0]} values.
     *
     * @throws IllegalArgumentException if there is no such tensor
     * @throws UnsupportedOperationException if the tensor is not F32 or too large for an array
     */
    public float[] tensor(String name) {
        TensorInfo t = info(name);
        if (t.type != TYPE_F32) {
            throw new UnsupportedOperationException("tensor " + name + " has ggml type " + t.type + ", not F32");
        }
        if (t.elements() > Integer.MAX_VALUE - 8) {
            throw new UnsupportedOperationException("tensor " + name + " is too large for a float[]");
        }
        float[] values = new float[(int) t.elements()];
        MemorySegment.copy(data, F32, t.offset, values, 0, values.length);
        return values;
    }

    private TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor " + name);
        }
        return t;
    }

    /** A bounds-checked little-endian cursor over the file's header. */
    private static final class Reader {

        private final MemorySegment seg;
        private final Path file;
        private long pos;

        Reader(MemorySegment seg, Path file) {
            this.seg = seg;
            this.file = file;
        }

        private long take(long n) throws IOException {
            if (n > seg.byteSize() - pos) {
                throw new IOException(file + ": truncated at offset " + pos);
            }
            long at = pos;
            pos += n;
            return at;
        }

        int u8() throws IOException {
            return Byte.toUnsignedInt(seg.get(U8, take(1)));
        }

        short i16() throws IOException {
            return seg.get(I16, take(2));
        }

        int i32() throws IOException {
            return seg.get(I32, take(4));
        }

        long i64() throws IOException {
            return seg.get(I64, take(8));
        }

        /** A uint64 count of items each at least {@code minBytes} long, checked against the bytes left. */
        long count(long minBytes, String what) throws IOException {
            long n = i64();
            if (n < 0 || n > (seg.byteSize() - pos) / minBytes) {
                throw new IOException(file + ": " + what + " " + Long.toUnsignedString(n) + " at offset " + (pos - 8)
                        + " exceeds the file");
            }
            return n;
        }

        String string() throws IOException {
            long n = count(1, "string length");
            byte[] bytes = new byte[Math.toIntExact(n)];
            MemorySegment.copy(seg, U8, take(n), bytes, 0, bytes.length);
            return new String(bytes, StandardCharsets.UTF_8);
        }

        Object value(int type) throws IOException {
            return switch (type) {
                case 0 -> u8();
                case 1 -> (int) (byte) u8();
                case 2 -> Short.toUnsignedInt(i16());
                case 3 -> (int) i16();
                case 4 -> Integer.toUnsignedLong(i32());
                case 5 -> i32();
                case 6 -> seg.get(F32, take(4));
                case 7 -> u8() != 0;
                case 8 -> string();
                case 9 -> array();
                case 10, 11 -> i64();
                case 12 -> seg.get(F64, take(8));
                default ->
                    throw new IOException(file + ": unknown metadata value type " + type + " at offset " + (pos - 4));
            };
        }

        private List<Object> array() throws IOException {
            int type = i32();
            long minBytes = switch (type) {
                case 2, 3 -> 2;
                case 4, 5, 6 -> 4;
                case 8, 10, 11, 12 -> 8;
                case 9 -> 12;
                case 0, 1, 7 -> 1;
                default ->
                    throw new IOException(file + ": unknown array element type " + type + " at offset " + (pos - 4));
            };
            long n = count(minBytes, "array length");
            List<Object> values = new ArrayList<>(Math.toIntExact(n));
            for (long i = 0; i < n; i++) {
                values.add(value(type));
            }
            return Collections.unmodifiableList(values);
        }
    }
}
