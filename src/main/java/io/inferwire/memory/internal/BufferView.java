package io.inferwire.memory.internal;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A cached {@link ByteBuffer} view of a {@link MemorySegment}, for the JNI libraries
 * (lz4-java) whose API takes ByteBuffers. {@code asByteBuffer()} allocates a new
 * buffer object each call; a frame loop that passes the same segment every time gets
 * the cached view back and allocates nothing.
 *
 * <p>Segments longer than {@code Integer.MAX_VALUE} bytes have no single ByteBuffer
 * view: for those the view is a window over the requested range and {@link #base()}
 * says where it starts. Not thread-safe: one per user.
 */
public final class BufferView {

    private MemorySegment segment;
    private ByteBuffer buffer;
    private long base;
    private long limit;

    /**
     * Returns a ByteBuffer covering {@code [offset, offset + length)} of {@code segment};
     * index {@code offset - base()} of the buffer is byte {@code offset} of the segment.
     * The caller has already checked the range against the segment.
     */
    public ByteBuffer of(MemorySegment segment, long offset, long length) {
        if (segment != this.segment
                && !segment.isNative()
                && !(segment.heapBase().orElse(null) instanceof byte[])) {
            throw new IllegalArgumentException(
                    "segment must be native or backed by a byte[] (lz4-java takes ByteBuffers)");
        }
        if (segment != this.segment || offset < base || offset + length > limit) {
            if (!segment.scope().isAlive()) {
                throw new IllegalStateException("segment's arena is closed");
            }
            if (segment.byteSize() <= Integer.MAX_VALUE) {
                buffer = segment.asByteBuffer();
                base = 0;
                limit = segment.byteSize();
            } else {
                buffer = segment.asSlice(offset, length).asByteBuffer();
                base = offset;
                limit = offset + length;
            }
            this.segment = segment;
        } else if (!segment.scope().isAlive()) {
            throw new IllegalStateException("segment's arena is closed");
        }
        return buffer;
    }

    /** Offset in the segment of index 0 of the buffer last returned. */
    public long base() {
        return base;
    }

    /** Forgets the cached segment so that its memory is not kept reachable. */
    public void clear() {
        segment = null;
        buffer = null;
        base = 0;
        limit = 0;
    }
}
