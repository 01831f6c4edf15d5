package io.inferwire.lz4;

import static io.inferwire.memory.Layouts.INT_LE;
import static io.inferwire.memory.Layouts.LONG_LE;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

/**
 * Writes the standard LZ4 frame format (magic 0x184D2204, independent blocks, optional
 * block and content checksums, optional content size) from an off-heap segment to a
 * channel. What it writes is what {@code lz4 -d} reads.
 *
 * <p>Blocks are independent, so with {@code threads > 1} several are compressed at once
 * (the seed's concurrent writer); the output is byte-identical to one thread. Input
 * and output stay off-heap: blocks are compressed by lz4-java's JNI compressor from
 * the input segment into off-heap slots, and the slots are written to the channel
 * from direct ByteBuffer views.
 *
 * <p>The input segment is only read, by the calling thread and (through ByteBuffer
 * views made on the calling thread) by worker threads while the call runs; no worker
 * touches it after the call returns or throws. Scratch memory lives in an arena of the
 * call's own, closed once every worker is done. The channel must be blocking.
 */
public final class Lz4FrameWriter {

    /** The LZ4 frame magic number. */
    public static final int MAGIC = 0x184D2204;

    /**
     * How to write a frame.
     *
     * @param blockSize block maximum size
     * @param blockChecksum store an xxHash32 after every block
     * @param contentChecksum store an xxHash32 of the whole content at the end
     * @param contentSize store the content size in the frame descriptor
     * @param threads compressor threads (1 = compress on the calling thread)
     * @param level 0 for LZ4's fast compressor, 1-17 for LZ4 HC levels
     */
    public record Options(
            BlockSize blockSize,
            boolean blockChecksum,
            boolean contentChecksum,
            boolean contentSize,
            int threads,
            int level) {

        /** Validates the options. */
        public Options {
            if (blockSize == null) {
                throw new IllegalArgumentException("blockSize is required");
            }
            if (threads < 1 || threads > 256) {
                throw new IllegalArgumentException("threads must be 1-256, was " + threads);
            }
            if (level < 0 || level > 17) {
                throw new IllegalArgumentException("level must be 0 (fast) or 1-17 (HC), was " + level);
            }
        }

        /** 4 MiB blocks, content checksum and size, no block checksums, one thread, fast level. */
        public static Options defaults() {
            return new Options(BlockSize.MB4, false, true, true, 1, 0);
        }

        /** These options with another block size. */
        public Options withBlockSize(BlockSize size) {
            return new Options(size, blockChecksum, contentChecksum, contentSize, threads, level);
        }

        /** These options with block checksums on or off. */
        public Options withBlockChecksum(boolean on) {
            return new Options(blockSize, on, contentChecksum, contentSize, threads, level);
        }

        /** These options with the content checksum on or off. */
        public Options withContentChecksum(boolean on) {
            return new Options(blockSize, blockChecksum, on, contentSize, threads, level);
        }

        /** These options with the content size stored or not. */
        public Options withContentSize(boolean on) {
            return new Options(blockSize, blockChecksum, contentChecksum, on, threads, level);
        }

        /** These options with another thread count. */
        public Options withThreads(int n) {
            return new Options(blockSize, blockChecksum, contentChecksum, contentSize, n, level);
        }

        /** These options with another compression level. */
        public Options withLevel(int l) {
            return new Options(blockSize, blockChecksum, contentChecksum, contentSize, threads, l);
        }
    }

    private Lz4FrameWriter() {}

    /**
     * Compresses all of {@code src} as one LZ4 frame written to {@code out}.
     *
     * @return the number of bytes written
     * @throws IOException if the channel fails
     */
    public static long compress(MemorySegment src, WritableByteChannel out, Options options) throws IOException {
        int blockBytes = options.blockSize().bytes();
        // Slots no larger than the input needs, and no more of them than there are blocks:
        // a small input with large blocks must not pay for zeroing megabytes of buffers.
        long total = src.byteSize();
        long blocks = (total + blockBytes - 1) / blockBytes;
        int maxStored = Lz4Block.maxCompressedLength((int) Math.min(blockBytes, total));
        int slots = (int) Math.max(1, Math.min(blocks, options.threads() == 1 ? 1 : options.threads() * 2L));
        LZ4Factory factory = Lz4Native.factory();
        LZ4Compressor compressor =
                options.level() == 0 ? factory.fastCompressor() : factory.highCompressor(options.level());
        long written = 0;
        ExecutorService pool = options.threads() == 1 || blocks < 2
                ? null
                : Executors.newFixedThreadPool(options.threads(), r -> {
                    Thread t = new Thread(r, "inferwire-lz4-compress");
                    t.setDaemon(true);
                    return t;
                });
        try (Arena arena = Arena.ofShared()) {
            MemorySegment header = arena.allocate(32);
            written += writeFully(out, header, 0, writeHeader(header, options, src.byteSize()));
            // Each slot holds one stored block: 4-byte size, data, optional 4-byte checksum.
            MemorySegment[] slot = new MemorySegment[slots];
            ByteBuffer[] slotView = new ByteBuffer[slots];
            for (int i = 0; i < slots; i++) {
                slot[i] = arena.allocate(4L + maxStored + 4L, 64);
                slotView[i] = slot[i].asByteBuffer();
            }
            XxHash32 content = new XxHash32(0);
            // A ring of slots: block b is compressed into slot b % slots while the blocks
            // before it are written in order, so the workers never wait for a batch.
            List<Future<Integer>> pending = new ArrayList<>(Collections.nCopies(slots, null));
            try {
                long[] starts = new long[slots];
                int[] lengths = new int[slots];
                long submitted = 0;
                for (long b = 0; b < blocks; b++) {
                    while (submitted < blocks && submitted < b + slots) {
                        int k = (int) (submitted % slots);
                        long pos = submitted * blockBytes;
                        int len = (int) Math.min(blockBytes, total - pos);
                        starts[k] = pos;
                        lengths[k] = len;
                        ByteBuffer in = src.asSlice(pos, len).asByteBuffer();
                        Callable<Integer> task = () -> compressBlock(
                                compressor, in, len, slotView[k], maxStored, options.blockChecksum(), slot[k]);
                        pending.set(
                                k, pool == null ? CompletableFuture.completedFuture(call(task)) : pool.submit(task));
                        if (options.contentChecksum()) {
                            content.update(src, pos, len);
                        }
                        submitted++;
                    }
                    int k = (int) (b % slots);
                    int stored = await(pending.get(k));
                    if (stored < 0) {
                        written += writeRawBlock(out, src, starts[k], lengths[k], slot[k], options.blockChecksum());
                    } else {
                        written += writeFully(out, slot[k], 0, stored);
                    }
                }
                header.set(INT_LE, 0, 0);
                int tail = 4;
                if (options.contentChecksum()) {
                    header.set(INT_LE, 4, content.value());
                    tail = 8;
                }
                written += writeFully(out, header, 0, tail);
            } finally {
                // Workers write into this arena's slots and read the caller's input: none
                // may still run when the arena closes or the caller gets control back.
                quiesce(pending);
            }
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
        return written;
    }

    /** Writes magic and descriptor; returns their length. */
    static int writeHeader(MemorySegment h, Options o, long contentSize) {
        h.set(INT_LE, 0, MAGIC);
        int flg = (1 << 6)
                | (1 << 5)
                | (o.blockChecksum() ? 1 << 4 : 0)
                | (o.contentSize() ? 1 << 3 : 0)
                | (o.contentChecksum() ? 1 << 2 : 0);
        h.set(ValueLayout.JAVA_BYTE, 4, (byte) flg);
        h.set(ValueLayout.JAVA_BYTE, 5, (byte) (o.blockSize().id() << 4));
        int end = 6;
        if (o.contentSize()) {
            h.set(LONG_LE, 6, contentSize);
            end = 14;
        }
        int hc = (XxHash32.hash(h, 4, end - 4, 0) >>> 8) & 0xFF;
        h.set(ValueLayout.JAVA_BYTE, end, (byte) hc);
        return end + 1;
    }

    /**
     * Compresses one block into its slot; returns the slot's used length, or -1 when
     * the block does not compress and must be stored raw.
     */
    private static int compressBlock(
            LZ4Compressor compressor,
            ByteBuffer in,
            int len,
            ByteBuffer slotView,
            int maxStored,
            boolean blockChecksum,
            MemorySegment slot) {
        int c = compressor.compress(in, 0, len, slotView, 4, maxStored);
        if (c >= len) {
            return -1;
        }
        slot.set(INT_LE, 0, c);
        if (blockChecksum) {
            slot.set(INT_LE, 4L + c, XxHash32.hash(slot, 4, c, 0));
            return c + 8;
        }
        return c + 4;
    }

    private static long writeRawBlock(
            WritableByteChannel out,
            MemorySegment src,
            long start,
            int len,
            MemorySegment scratch,
            boolean blockChecksum)
            throws IOException {
        scratch.set(INT_LE, 0, len | 0x80000000);
        long w = writeFully(out, scratch, 0, 4);
        w += writeFully(out, src, start, len);
        if (blockChecksum) {
            scratch.set(INT_LE, 0, XxHash32.hash(src, start, len, 0));
            w += writeFully(out, scratch, 0, 4);
        }
        return w;
    }

    /**
     * Waits for every block in flight (at most one per slot), whatever it returns. Not
     * cancel(): a FutureTask cancelled while running reports done at once and keeps
     * running.
     */
    private static void quiesce(List<Future<Integer>> pending) {
        boolean interrupted = false;
        for (Future<Integer> f : pending) {
            while (f != null) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static int call(Callable<Integer> task) throws IOException {
        try {
            return task.call();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    private static int await(Future<Integer> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while compressing LZ4 blocks");
        } catch (ExecutionException e) {
            throw new IOException("LZ4 block compression failed: " + e.getCause(), e.getCause());
        }
    }

    static long writeFully(WritableByteChannel out, MemorySegment seg, long offset, long length) throws IOException {
        if (length == 0) {
            return 0;
        }
        ByteBuffer b = seg.asSlice(offset, length).asByteBuffer();
        while (b.hasRemaining()) {
            out.write(b);
        }
        return length;
    }
}
