package io.inferwire.bench;

import io.inferwire.CorruptFrameException;
import io.inferwire.lz4.Lz4Block;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * LZ4 per message, as the seed sends it: each message as one LZ4 block (lz4-java JNI,
 * fast level) behind its 4-byte little-endian raw length. Its buffers grow to the
 * largest message seen.
 */
final class Lz4Messages implements AutoCloseable {

    private final Arena arena = Arena.ofConfined();
    private final Lz4Block block = new Lz4Block();
    private MemorySegment raw;
    private MemorySegment packed;

    Lz4Messages() {
        ensure(1 << 12);
    }

    private void ensure(int rawBytes) {
        if (raw == null || raw.byteSize() < rawBytes) {
            raw = arena.allocate(rawBytes);
            packed = arena.allocate(Lz4Block.maxCompressedLength(rawBytes));
        }
    }

    /** The message compressed, with its length in front. */
    byte[] compress(byte[] m) {
        ensure(m.length);
        MemorySegment.copy(m, 0, raw, ValueLayout.JAVA_BYTE, 0, m.length);
        int n = block.compress(raw, 0, m.length, packed, 0);
        byte[] z = new byte[n + 4];
        ByteBuffer.wrap(z).order(ByteOrder.LITTLE_ENDIAN).putInt(m.length);
        MemorySegment.copy(packed, ValueLayout.JAVA_BYTE, 0, z, 4, n);
        return z;
    }

    /** The message back from {@link #compress}'s output. */
    byte[] decompress(byte[] z) throws CorruptFrameException {
        int n = ByteBuffer.wrap(z).order(ByteOrder.LITTLE_ENDIAN).getInt();
        ensure(Math.max(n, z.length));
        MemorySegment.copy(z, 4, packed, ValueLayout.JAVA_BYTE, 0, z.length - 4);
        block.decompress(packed, 0, z.length - 4, raw, 0, n);
        return raw.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    public void close() {
        block.release();
        arena.close();
    }
}
