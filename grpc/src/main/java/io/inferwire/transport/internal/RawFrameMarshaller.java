package io.inferwire.transport.internal;

import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The client-side response marshaller: a message's bytes with a varint length prefix
 * in front, ready to feed a FrameStreamReader (which then reads it in place).
 */
public final class RawFrameMarshaller implements MethodDescriptor.Marshaller<byte[]> {

    public static final RawFrameMarshaller INSTANCE = new RawFrameMarshaller();

    @Override
    public InputStream stream(byte[] value) {
        throw new UnsupportedOperationException("frames are not sent by the client");
    }

    @Override
    public byte[] parse(InputStream stream) {
        try {
            if (stream instanceof KnownLength) {
                int n = stream.available();
                int p = varintSize(n);
                byte[] out = new byte[p + n];
                writeVarint(out, n);
                int off = p;
                while (off < out.length) {
                    int r = stream.read(out, off, out.length - off);
                    if (r < 0) {
                        throw new IOException("message shorter than its known length");
                    }
                    off += r;
                }
                return out;
            }
            byte[] body = stream.readAllBytes();
            byte[] out = new byte[varintSize(body.length) + body.length];
            int p = writeVarint(out, body.length);
            System.arraycopy(body, 0, out, p, body.length);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int varintSize(int n) {
        int size = 1;
        while ((n & ~0x7f) != 0) {
            n >>>= 7;
            size++;
        }
        return size;
    }

    static int writeVarint(byte[] out, int n) {
        int i = 0;
        while ((n & ~0x7f) != 0) {
            out[i++] = (byte) ((n & 0x7f) | 0x80);
            n >>>= 7;
        }
        out[i++] = (byte) n;
        return i;
    }
}
