package io.inferwire.transport.internal;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One response message: a frame (without its length prefix) read in place from the
 * encoder's off-heap buffer. It is its own {@link InputStream}, {@link KnownLength} and
 * {@link Drainable}, so grpc-java's MessageFramer writes it with its length known and
 * calls {@link #drainTo}, during {@code onNext}.
 *
 * <p>Where the bytes are copied: grpc-java's framer hands {@code drainTo} an
 * {@link OutputStream}, whose only bulk write takes a {@code byte[]}; so the frame goes
 * off-heap buffer -> the call's reused 8 KiB heap scratch -> the transport's (Netty's
 * pooled direct) buffer, in chunks. The scratch is allocated once per call, never per
 * message, and holds at most 8 KiB of a frame at a time. With message compression on,
 * the compressor's stream is the target instead (same path). A transport that keeps the
 * stream beyond {@code onNext} (the in-process transport hands it to the client as it
 * is) gets a heap copy of the frame from {@link #detach()}, called right after
 * {@code onNext}, before the encoder reuses its buffer.
 */
public final class OutgoingFrame extends InputStream implements KnownLength, Drainable {

    /** The server-side marshaller; responses are never parsed on the server. */
    public static final MethodDescriptor.Marshaller<OutgoingFrame> MARSHALLER = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(OutgoingFrame value) {
            return value;
        }

        @Override
        public OutgoingFrame parse(InputStream stream) {
            throw new UnsupportedOperationException("responses are not parsed on the server");
        }
    };

    private final byte[] scratch;
    private MemorySegment segment;
    private long position;
    private long limit;
    private byte[] copy;

    OutgoingFrame(MemorySegment segment, long offset, long length, byte[] scratch) {
        this.segment = segment;
        this.position = offset;
        this.limit = offset + length;
        this.scratch = scratch;
    }

    /** Makes the message independent of the encoder's buffer if the transport has not read it yet. */
    synchronized void detach() {
        if (segment != null && position < limit) {
            copy = segment.asSlice(position, limit - position).toArray(ValueLayout.JAVA_BYTE);
            segment = MemorySegment.ofArray(copy);
            limit = copy.length;
            position = 0;
        } else {
            segment = null;
        }
    }

    @Override
    public synchronized int available() {
        return (int) (limit - position);
    }

    @Override
    public synchronized int read() {
        if (position >= limit) {
            return -1;
        }
        return segment.get(ValueLayout.JAVA_BYTE, position++) & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) {
        if (len == 0) {
            return 0;
        }
        if (position >= limit) {
            return -1;
        }
        int n = (int) Math.min(len, limit - position);
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, position, b, off, n);
        position += n;
        return n;
    }

    @Override
    public synchronized int drainTo(OutputStream target) throws IOException {
        int total = (int) (limit - position);
        if (copy != null) {
            target.write(copy, (int) position, total);
        } else {
            while (position < limit) {
                int n = (int) Math.min(scratch.length, limit - position);
                MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, position, scratch, 0, n);
                target.write(scratch, 0, n);
                position += n;
            }
        }
        position = limit;
        return total;
    }
}
