package io.inferwire.transport.internal;

import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.proto.v1.StreamKind;
import io.inferwire.transport.HistoryLimits;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The history of a tensor stream: the rows, off-heap, in a ring of
 * {@code min(maxItems, maxBytes / rowBytes)} rows (at least one) allocated once.
 */
public final class TensorLog extends StreamLog {

    private final int[] shape;
    private final int values;
    private final long rowBytes;
    private final int capacity;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment ring;
    private boolean closed;

    public TensorLog(long streamId, StreamHeader header, HistoryLimits limits, int[] shape) {
        super(streamId, header, limits);
        this.shape = shape.clone();
        long n = 1;
        for (int d : shape) {
            if (d < 1) {
                throw new IllegalArgumentException("shape dimensions must be >= 1");
            }
            n *= d;
        }
        if (n > (1 << 24)) {
            throw new IllegalArgumentException("a row holds at most 2^24 values, was " + n);
        }
        this.values = (int) n;
        this.rowBytes = 4L * n;
        this.capacity = (int) Math.max(1, Math.min(limits.maxItems(), limits.maxBytes() / rowBytes));
        this.ring = arena.allocate(rowBytes * capacity, 64);
    }

    @Override
    public StreamKind kind() {
        return StreamKind.STREAM_KIND_TENSORS;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int values() {
        return values;
    }

    /** Rows the ring holds at most. */
    public int capacity() {
        return capacity;
    }

    @Override
    protected boolean full() {
        return next - first >= capacity;
    }

    /** Copies one row (float32, little-endian) into the ring, evicting the oldest, and wakes the calls. */
    public long publish(MemorySegment src, long offset) {
        long index;
        synchronized (lock) {
            checkOpen();
            if (closed) {
                throw new IllegalStateException("stream " + streamId() + " was removed");
            }
            if (next - first >= capacity) {
                first++;
                bytes -= rowBytes;
            }
            index = next;
            MemorySegment.copy(src, offset, ring, (index % capacity) * rowBytes, rowBytes);
            bytes += rowBytes;
            next++;
        }
        wake();
        return index;
    }

    /** Copies the row at {@code index} out, when {@link #at} says it is held; call under the lock. */
    void copy(long index, MemorySegment dst) {
        MemorySegment.copy(ring, (index % capacity) * rowBytes, dst, 0, rowBytes);
    }

    @Override
    public void close() {
        super.close();
        synchronized (lock) {
            if (!closed) {
                closed = true;
                first = next;
                arena.close();
            }
        }
    }
}
