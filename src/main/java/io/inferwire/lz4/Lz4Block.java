package io.inferwire.lz4;

import io.inferwire.CorruptFrameException;
import io.inferwire.memory.internal.BufferView;
import io.inferwire.memory.internal.Checks;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * One LZ4 block (no frame header) between off-heap segments, through lz4-java's JNI
 * binding of the reference C library: the compressor reads and the decompressor
 * writes the segments in place, nothing passes through the Java heap.
 *
 * <p>Decompression uses the bounds-checked {@code LZ4_decompress_safe} (lz4-java's
 * {@code safeDecompressor()}; its {@code fastDecompressor()} is pure Java and trusts
 * its input). Every offset and length is checked here before the native call.
 *
 * <p>An instance caches ByteBuffer views of the segments it last saw, so a loop over
 * the same segments allocates nothing; it is therefore not thread-safe: use one per
 * thread. The caller owns all memory passed in: segments must be native or backed by a
 * {@code byte[]}, and must stay alive for the whole call (native code does not hold
 * the segment's scope, so closing a shared arena from another thread mid-call is a
 * use-after-free, not an exception).
 */
public final class Lz4Block {

    private final LZ4Compressor compressor;
    private final LZ4SafeDecompressor decompressor;
    private final BufferView srcView = new BufferView();
    private final BufferView dstView = new BufferView();

    /** A block codec with the fast compressor (LZ4 default level). */
    public Lz4Block() {
        this(Lz4Native.factory().fastCompressor());
    }

    /** A block codec with the given compression level: 0 is fast, 1-17 are LZ4 HC levels. */
    public static Lz4Block level(int level) {
        if (level < 0 || level > 17) {
            throw new IllegalArgumentException("LZ4 level must be 0 (fast) or 1-17 (HC), was " + level);
        }
        LZ4Factory f = Lz4Native.factory();
        return new Lz4Block(level == 0 ? f.fastCompressor() : f.highCompressor(level));
    }

    private Lz4Block(LZ4Compressor compressor) {
        this.compressor = compressor;
        this.decompressor = Lz4Native.factory().safeDecompressor();
    }

    /** The largest compressed size of {@code length} input bytes. */
    public static int maxCompressedLength(int length) {
        if (length < 0 || length > 0x7E000000) {
            throw new IllegalArgumentException("LZ4 input length out of range: " + length);
        }
        return length + length / 255 + 16;
    }

    /**
     * Compresses {@code [srcOffset, srcOffset + length)} of {@code src} into {@code dst}
     * at {@code dstOffset}, which must have room for {@link #maxCompressedLength(int)}
     * bytes. Returns the compressed length (which can exceed {@code length} for data
     * that does not compress).
     */
    public int compress(MemorySegment src, long srcOffset, int length, MemorySegment dst, long dstOffset) {
        int bound = maxCompressedLength(length);
        Checks.checkRange(src, srcOffset, length);
        Checks.checkRange(dst, dstOffset, bound);
        if (length == 0) {
            // The empty block is one zero token; the native call would see a NULL source.
            dst.set(java.lang.foreign.ValueLayout.JAVA_BYTE, dstOffset, (byte) 0);
            return 1;
        }
        ByteBuffer in = srcView.of(src, srcOffset, length);
        ByteBuffer out = dstView.of(dst, dstOffset, bound);
        return compressor.compress(
                in, (int) (srcOffset - srcView.base()), length, out, (int) (dstOffset - dstView.base()), bound);
    }

    /**
     * Decompresses the block {@code [srcOffset, srcOffset + length)} of {@code src} into
     * {@code dst} at {@code dstOffset}, writing at most {@code capacity} bytes. Returns
     * the decompressed length.
     *
     * @throws CorruptFrameException if the block is malformed or decodes to more than
     *     {@code capacity} bytes
     */
    public int decompress(
            MemorySegment src, long srcOffset, int length, MemorySegment dst, long dstOffset, int capacity)
            throws CorruptFrameException {
        Checks.checkRange(src, srcOffset, length);
        Checks.checkRange(dst, dstOffset, capacity);
        if (length == 0 || capacity == 0) {
            // Never hand JNI an empty (possibly NULL-address) range: the only block that
            // decodes to nothing is the single zero token.
            if (length == 1 && src.get(java.lang.foreign.ValueLayout.JAVA_BYTE, srcOffset) == 0) {
                return 0;
            }
            throw new CorruptFrameException(
                    "malformed LZ4 block of " + length + " bytes for " + capacity + " bytes of room", -1, -1, -1);
        }
        ByteBuffer in = srcView.of(src, srcOffset, length);
        ByteBuffer out = dstView.of(dst, dstOffset, capacity);
        try {
            return decompressor.decompress(
                    in, (int) (srcOffset - srcView.base()), length, out, (int) (dstOffset - dstView.base()), capacity);
        } catch (LZ4Exception e) {
            throw new CorruptFrameException(
                    "malformed LZ4 block of " + length + " bytes (at most " + capacity + " bytes expected): "
                            + e.getMessage(),
                    -1,
                    -1,
                    -1,
                    e);
        }
    }

    /** Drops the cached views so the segments last used are no longer referenced. */
    public void release() {
        srcView.clear();
        dstView.clear();
    }
}
