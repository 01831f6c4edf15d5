package io.inferwire.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.inferwire.CorruptFrameException;
import io.inferwire.StreamException;
import io.inferwire.TestArena;
import io.inferwire.lz4.BlockSize;
import io.inferwire.lz4.Lz4FrameReader;
import io.inferwire.proto.v1.Frame;
import io.inferwire.proto.v1.FrameKind;
import io.inferwire.proto.v1.Transform;
import io.inferwire.sse.SseDecoder;
import io.inferwire.tokens.TokenDecoder;
import io.inferwire.transform.Backend;
import io.inferwire.transform.Backends;
import io.inferwire.transform.TensorCodec;
import io.inferwire.transform.TensorDecoder;
import io.inferwire.wire.FrameStreamReader;
import io.inferwire.wire.FrameView;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Every decoder, the native paths included, takes a valid stream cut at every byte
 * boundary and the same stream with bytes inserted at every boundary (declared lengths
 * then run past what follows, varints overflow): only typed exceptions come out. Inputs
 * lie at the very end of their segments, so any read past a declared length would hit
 * the segment bound in Java; the native-host backend's unpack (FFM) must fail exactly
 * where the bounds-checked scalar backend fails, for every truncated length and for
 * value counts larger than the payload holds.
 */
class BoundarySafetyTest {

    /** Bytes inserted at each boundary: a varint that never ends, then a large field. */
    static final byte[] JUNK = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7A, 0x7F};

    /** Cut at every boundary and junk inserted at every boundary. */
    static List<byte[]> variants(byte[] valid) {
        List<byte[]> list = new ArrayList<>();
        for (int at = 0; at <= valid.length; at++) {
            list.add(Arrays.copyOf(valid, at));
            byte[] grown = new byte[valid.length + JUNK.length];
            System.arraycopy(valid, 0, grown, 0, at);
            System.arraycopy(JUNK, 0, grown, at, JUNK.length);
            System.arraycopy(valid, at, grown, at + JUNK.length, valid.length - at);
            list.add(grown);
        }
        return list;
    }

    /** Copies {@code bytes} to the end of a native segment of exactly that size. */
    static MemorySegment exact(Arena arena, byte[] bytes) {
        MemorySegment s = arena.allocate(Math.max(1, bytes.length)).asSlice(0, bytes.length);
        MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return s;
    }

    static Backend nativeHost() {
        Backend b = Backends.named("native-host");
        Assumptions.assumeTrue(b.isAvailable(), () -> "native-host unavailable: " + b.unavailableReason());
        return b;
    }

    /** Reads {@code input} through a reader into a tensor decoder on {@code backend}. */
    static int tensors(Arena arena, Backend backend, byte[] input) {
        TensorDecoder dec = TensorCodec.builder()
                .backend(backend)
                .maxValues(1 << 12)
                .build()
                .newDecoder(arena);
        MemorySegment out = arena.allocate(4L << 12);
        FrameStreamReader reader = new FrameStreamReader(arena, DecoderFuzzTest.OPTIONS);
        reader.feed(exact(arena, input));
        int values = 0;
        while (true) {
            try {
                if (!reader.next()) {
                    break;
                }
                values += Math.max(0, dec.decode(reader, out, 0));
            } catch (StreamException e) {
                if (reader.framingLost()) {
                    break;
                }
            }
        }
        try {
            reader.finish();
        } catch (StreamException e) {
            // typed
        }
        return values;
    }

    @Test
    void tensorDecodersOnEveryBackendIncludingNativeHost() {
        List<Backend> backends = new ArrayList<>(List.of(Backends.scalar(), Backends.get()));
        Backend host = Backends.named("native-host");
        if (host.isAvailable()) {
            backends.add(host);
        } else {
            System.out.println("native-host unavailable, not in this test: " + host.unavailableReason());
        }
        for (TensorCodec.Packing p : TensorCodec.Packing.values()) {
            for (double bound : new double[] {0, 1e-3}) {
                byte[] valid = FuzzCorpus.tensors(bound, p, bound == 0, 8);
                for (Backend b : backends) {
                    try (TestArena arena = TestArena.open()) {
                        assertEquals(8 * 24, tensors(arena, b, valid), b.name() + " " + p + " " + bound);
                    }
                    for (byte[] v : variants(valid)) {
                        try (TestArena arena = TestArena.open()) {
                            tensors(arena, b, v);
                        }
                    }
                }
            }
        }
    }

    /** The packed residuals of the first QUANT_PACKED frame of a stream, and its value count. */
    record Packed(byte[] payload, int values) {}

    static Packed packed() throws StreamException {
        byte[] stream = FuzzCorpus.tensors(1e-3, TensorCodec.Packing.FAST, false, 8);
        try (TestArena arena = TestArena.open()) {
            FrameStreamReader reader = new FrameStreamReader(arena, DecoderFuzzTest.OPTIONS);
            reader.feed(MemorySegment.ofArray(stream));
            while (reader.next()) {
                FrameView f = reader.frame();
                if (f.transformNumber() == Transform.TRANSFORM_QUANT_PACKED_VALUE && f.rank() == 1) {
                    return new Packed(reader.data().toArray(ValueLayout.JAVA_BYTE), (int) f.dim(0));
                }
            }
        }
        throw new AssertionError("no QUANT_PACKED frame");
    }

    /** What {@code unpack} did: bytes used, or the exception's class. */
    static String unpack(Backend b, MemorySegment in, int n) {
        try (TestArena arena = TestArena.open()) {
            MemorySegment z = arena.allocate(4L * Math.max(1, n)).asSlice(0, 4L * n);
            return "used " + b.unpack(in, 0, in.byteSize(), z, 0, n);
        } catch (CorruptFrameException e) {
            return e.getClass().getSimpleName();
        }
    }

    @Test
    void nativeHostUnpackFailsWhereTheScalarOracleFails() throws Exception {
        Backend host = nativeHost();
        Backend scalar = Backends.scalar();
        Packed p = packed();
        try (TestArena arena = TestArena.open()) {
            int checked = 0;
            for (byte[] v : variants(p.payload())) {
                MemorySegment in = exact(arena, v);
                for (int n : new int[] {p.values(), p.values() + 1, p.values() + 16, 2 * p.values(), 1 << 16}) {
                    String want = unpack(scalar, in, n);
                    assertEquals(want, unpack(host, in, n), "length " + v.length + ", " + n + " values");
                    checked++;
                }
            }
            assertTrue(checked > 100);
        }
    }

    /** Found by review of the fuzz budget: a 20-byte KEY frame declaring 16 Mi values used to allocate 128 MiB first. */
    @Test
    void aShapeThePayloadCannotHoldIsRefusedBeforeAllocation() throws Exception {
        for (Transform t : new Transform[] {Transform.TRANSFORM_XOR_PLANES, Transform.TRANSFORM_QUANT_PACKED}) {
            byte[] frame = Frame.newBuilder()
                    .setStreamId(1)
                    .setKind(FrameKind.FRAME_KIND_KEY)
                    .setErrorBound(t == Transform.TRANSFORM_XOR_PLANES ? 0 : 1e-3)
                    .addShape(1 << 24)
                    .setTransform(t)
                    .setPayload(ByteString.copyFrom(new byte[] {1, 2, 3, 4}))
                    .build()
                    .toByteArray();
            try (TestArena arena = TestArena.open()) {
                FrameView f = new FrameView().wrap(MemorySegment.ofArray(frame), 0, frame.length);
                TensorDecoder dec = TensorCodec.builder().build().newDecoder(arena);
                MemorySegment out = arena.allocate(4L << 24);
                long before = arena.allocated();
                CorruptFrameException e = assertThrows(
                        CorruptFrameException.class,
                        () -> dec.decode(f, f.segment(), f.payloadOffset(), f.payloadLength(), out, 0));
                assertTrue(e.getMessage().contains("too short"), e.getMessage());
                assertEquals(before, arena.allocated(), t + ": the decoder allocated for the declared shape");
            }
        }
    }

    @Test
    void frameViewTokenSseAndLz4Readers() throws Exception {
        byte[] tokens = FuzzCorpus.tokens(12, true);
        byte[] sse = FuzzCorpus.sse("openai-small.sse");
        byte[] lz4 = FuzzCorpus.lz4(BlockSize.KB64, true, true, true);
        byte[] frame = FuzzCorpus.messages(tokens).get(0);
        FrameView view = new FrameView();
        try (TestArena arena = TestArena.open()) {
            for (byte[] v : variants(frame)) {
                try {
                    view.wrap(exact(arena, v), 0, v.length);
                } catch (StreamException e) {
                    // typed
                }
            }
        }
        for (byte[] v : variants(tokens)) {
            try (TestArena arena = TestArena.open()) {
                FrameStreamReader reader = new FrameStreamReader(arena);
                TokenDecoder dec = new TokenDecoder();
                reader.feed(exact(arena, v));
                while (true) {
                    try {
                        if (!reader.next()) {
                            break;
                        }
                        dec.accept(reader);
                    } catch (StreamException e) {
                        if (reader.framingLost()) {
                            break;
                        }
                    }
                }
            }
        }
        assertTrue(sseEvents(sse) > 0);
        for (byte[] v : variants(sse)) {
            sseEvents(v);
        }
        assertTrue(lz4Bytes(lz4) > 0);
        for (byte[] v : variants(lz4)) {
            lz4Bytes(v);
        }
    }

    static long sseEvents(byte[] input) throws java.io.IOException {
        try {
            return SseDecoder.decode(new ByteArrayInputStream(input), new ByteArrayOutputStream(), false);
        } catch (StreamException e) {
            return -1;
        }
    }

    static long lz4Bytes(byte[] input) throws java.io.IOException {
        try {
            return Lz4FrameReader.decompress(
                    Channels.newChannel(new ByteArrayInputStream(input)), new DecoderFuzzTest.CountingChannel());
        } catch (StreamException e) {
            return -1;
        }
    }
}
