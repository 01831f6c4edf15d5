package io.inferwire.lz4;

import static io.inferwire.memory.Layouts.INT_LE;
import static io.inferwire.memory.Layouts.LONG_LE;

import io.inferwire.ChecksumMismatchException;
import io.inferwire.CorruptFrameException;
import io.inferwire.StreamException;
import io.inferwire.TruncatedStreamException;
import io.inferwire.UnsupportedFormatException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Reads the standard LZ4 frame format from a channel and writes the decompressed
 * content to another, off-heap throughout: blocks are read into a direct staging
 * buffer, decompressed by lz4-java's JNI safe decompressor into another, and written
 * from there. Concatenated frames and skippable frames are read as {@code lz4 -d}
 * reads them.
 *
 * <p>Checked before use: magic, version, reserved bits, block-size id, header
 * checksum, every block size against the declared block maximum, block checksums,
 * content checksum and content size. Memory use is bounded by twice the largest
 * block size (4 MiB) whatever the input declares. Channels must be blocking. Not supported, with a typed error:
 * linked blocks ({@code lz4 -BD}), dictionaries, the legacy format ({@code lz4 -l}).
 */
public final class Lz4FrameReader {

    private static final int SKIPPABLE_MASK = 0xFFFFFFF0;
    private static final int SKIPPABLE_MAGIC = 0x184D2A50;
    private static final int LEGACY_MAGIC = 0x184C2102;

    private Lz4FrameReader() {}

    /**
     * Decompresses every LZ4 frame in {@code in} to {@code out}.
     *
     * @return the number of content bytes written
     * @throws StreamException for malformed, truncated or unsupported input; content
     *     written before the problem stays written
     * @throws IOException if a channel fails
     */
    public static long decompress(ReadableByteChannel in, WritableByteChannel out) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            int max = BlockSize.MB4.bytes();
            MemorySegment stage = arena.allocate(max + 8L, 64);
            MemorySegment plain = arena.allocate(max, 64);
            Input input = new Input(in, stage);
            Lz4Block block = new Lz4Block();
            XxHash32 content = new XxHash32(0);
            long total = 0;
            int frames = 0;
            while (true) {
                long frameStart = input.position;
                int got = input.fill(4, true);
                if (got == 0) {
                    if (frames == 0) {
                        throw new TruncatedStreamException("empty input: no LZ4 frame", -1, -1, 0);
                    }
                    return total;
                }
                if (got < 4) {
                    throw new TruncatedStreamException("input ends inside an LZ4 magic number", -1, -1, frameStart);
                }
                int magic = stage.get(INT_LE, 0);
                if ((magic & SKIPPABLE_MASK) == SKIPPABLE_MAGIC) {
                    input.fill(4, false);
                    input.skip(Integer.toUnsignedLong(stage.get(INT_LE, 0)));
                    frames++;
                    continue;
                }
                if (magic == LEGACY_MAGIC) {
                    throw new UnsupportedFormatException(
                            "legacy LZ4 format (lz4 -l) is not supported", -1, -1, frameStart);
                }
                if (magic != Lz4FrameWriter.MAGIC) {
                    throw new CorruptFrameException(
                            String.format("not an LZ4 frame: magic %08x", magic), -1, -1, frameStart);
                }
                total += readFrame(input, stage, plain, block, content, out, frameStart);
                frames++;
            }
        }
    }

    private static long readFrame(
            Input input,
            MemorySegment stage,
            MemorySegment plain,
            Lz4Block block,
            XxHash32 content,
            WritableByteChannel out,
            long frameStart)
            throws IOException {
        input.fill(2, false);
        int flg = stage.get(ValueLayout.JAVA_BYTE, 0) & 0xFF;
        int bd = stage.get(ValueLayout.JAVA_BYTE, 1) & 0xFF;
        if ((flg >>> 6) != 1) {
            throw new UnsupportedFormatException(
                    "LZ4 frame version " + (flg >>> 6) + " (only 1 is defined)", -1, -1, frameStart);
        }
        if ((flg & 0x02) != 0 || (bd & 0x8F) != 0) {
            throw new CorruptFrameException("LZ4 frame descriptor has reserved bits set", -1, -1, frameStart);
        }
        boolean independent = (flg & 0x20) != 0;
        boolean blockChecksum = (flg & 0x10) != 0;
        boolean hasSize = (flg & 0x08) != 0;
        boolean contentChecksum = (flg & 0x04) != 0;
        boolean dict = (flg & 0x01) != 0;
        BlockSize size = BlockSize.ofId(bd >>> 4);
        if (size == null) {
            throw new CorruptFrameException("LZ4 block-size id " + (bd >>> 4) + " is not 4-7", -1, -1, frameStart);
        }
        int descLen = 2 + (hasSize ? 8 : 0) + (dict ? 4 : 0);
        input.fillAt(2, descLen - 2 + 1);
        int hc = stage.get(ValueLayout.JAVA_BYTE, descLen) & 0xFF;
        int expectHc = (XxHash32.hash(stage, 0, descLen, 0) >>> 8) & 0xFF;
        if (hc != expectHc) {
            throw new ChecksumMismatchException("LZ4 frame header", hc, expectHc, -1, -1, frameStart);
        }
        long declared = hasSize ? stage.get(LONG_LE, 2) : 0;
        if (!independent) {
            throw new UnsupportedFormatException(
                    "linked LZ4 blocks (lz4 -BD) are not supported; write with independent blocks", -1, -1, frameStart);
        }
        if (dict) {
            throw new UnsupportedFormatException(
                    "LZ4 frames with a dictionary id are not supported", -1, -1, frameStart);
        }
        content.reset();
        long total = 0;
        while (true) {
            long blockStart = input.position;
            input.fill(4, false);
            int word = stage.get(INT_LE, 0);
            if (word == 0) {
                break;
            }
            boolean raw = word < 0;
            int len = word & 0x7FFFFFFF;
            if (len > size.bytes()) {
                throw new CorruptFrameException(
                        "LZ4 block of " + len + " bytes exceeds the frame's block size " + size.bytes(),
                        -1,
                        -1,
                        blockStart);
            }
            input.fill(len + (blockChecksum ? 4 : 0), false);
            if (blockChecksum) {
                int stored = stage.get(INT_LE, len);
                int actual = XxHash32.hash(stage, 0, len, 0);
                if (stored != actual) {
                    throw new ChecksumMismatchException("LZ4 block", stored, actual, -1, -1, blockStart);
                }
            }
            int n;
            MemorySegment from;
            if (raw) {
                from = stage;
                n = len;
            } else {
                try {
                    n = block.decompress(stage, 0, len, plain, 0, size.bytes());
                } catch (CorruptFrameException e) {
                    throw new CorruptFrameException(e.getMessage(), -1, -1, blockStart, e);
                }
                from = plain;
            }
            if (contentChecksum) {
                content.update(from, 0, n);
            }
            Lz4FrameWriter.writeFully(out, from, 0, n);
            total += n;
        }
        if (contentChecksum) {
            long at = input.position;
            input.fill(4, false);
            int stored = stage.get(INT_LE, 0);
            if (stored != content.value()) {
                throw new ChecksumMismatchException("LZ4 content", stored, content.value(), -1, -1, at);
            }
        }
        // As in the reference decoder, a declared size of 0 means unknown; any other
        // value (unsigned 64-bit) must match.
        if (hasSize && declared != 0 && declared != total) {
            throw new CorruptFrameException(
                    "LZ4 frame declares " + Long.toUnsignedString(declared) + " content bytes but holds " + total,
                    -1,
                    -1,
                    frameStart);
        }
        return total;
    }

    /** Reads exact byte counts from the channel into the staging segment. */
    private static final class Input {
        final ReadableByteChannel channel;
        final MemorySegment stage;
        final ByteBuffer view;
        long position;

        Input(ReadableByteChannel channel, MemorySegment stage) {
            this.channel = channel;
            this.stage = stage;
            this.view = stage.asByteBuffer();
        }

        /** Reads {@code n} bytes to the start of the stage; with {@code eofOk}, returns fewer at end of input. */
        int fill(int n, boolean eofOk) throws IOException {
            int got = read(0, n);
            if (got < n && !eofOk) {
                throw new TruncatedStreamException("LZ4 input ends " + (n - got) + " byte(s) short", -1, -1, position);
            }
            return got;
        }

        void fillAt(int at, int n) throws IOException {
            int got = read(at, n);
            if (got < n) {
                throw new TruncatedStreamException("LZ4 input ends inside a frame descriptor", -1, -1, position);
            }
        }

        private int read(int at, int n) throws IOException {
            view.clear().position(at).limit(at + n);
            while (view.hasRemaining()) {
                if (channel.read(view) < 0) {
                    break;
                }
            }
            int got = view.position() - at;
            position += got;
            return got;
        }

        void skip(long n) throws IOException {
            while (n > 0) {
                int step = (int) Math.min(n, stage.byteSize());
                fill(step, false);
                n -= step;
            }
        }
    }
}
