package io.inferwire.cli;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/** Gathers small writes into one off-heap buffer so that a stream of small frames is not a syscall per frame. */
final class BufferedChannel {

    private static final int SIZE = 1 << 20;

    private final WritableByteChannel ch;
    private final MemorySegment buf;
    private final ByteBuffer view;
    private long fill;
    private long written;

    BufferedChannel(WritableByteChannel ch, Arena arena) {
        this.ch = ch;
        this.buf = arena.allocate(SIZE);
        this.view = buf.asByteBuffer();
    }

    void write(MemorySegment src, long off, long len) throws IOException {
        if (len > SIZE - fill) {
            flush();
        }
        if (len > SIZE) {
            ByteBuffer b = src.asSlice(off, len).asByteBuffer();
            while (b.hasRemaining()) {
                ch.write(b);
            }
        } else {
            MemorySegment.copy(src, off, buf, fill, len);
            fill += len;
        }
        written += len;
    }

    void flush() throws IOException {
        view.clear().limit((int) fill);
        while (view.hasRemaining()) {
            ch.write(view);
        }
        fill = 0;
    }

    long written() {
        return written;
    }
}
