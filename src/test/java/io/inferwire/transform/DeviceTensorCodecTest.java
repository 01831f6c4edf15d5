package io.inferwire.transform;

import static io.inferwire.memory.Layouts.FLOAT_LE;
import static io.inferwire.memory.Layouts.INT_LE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferwire.CorruptFrameException;
import io.inferwire.Seeds;
import io.inferwire.StreamException;
import io.inferwire.TestArena;
import io.inferwire.UnsupportedFormatException;
import io.inferwire.cuda.CudaException;
import io.inferwire.cuda.CudaKernels;
import io.inferwire.cuda.DeviceTensorDecoder;
import io.inferwire.cuda.DeviceTensorEncoder;
import io.inferwire.proto.v1.FrameKind;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.wire.FrameStreamReader;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The device-resident codec ({@link DeviceTensorEncoder}, {@link DeviceTensorDecoder}):
 * its frames are byte for byte those of {@link TensorEncoder} on the scalar backend, the
 * host decoder reads them within the bound, and the device decoder gives the host
 * decoder's values. Without a GPU the GPU tests are skipped with the reason; the
 * argument checks that need no device run everywhere.
 */
class DeviceTensorCodecTest {

    private static final Backend SCALAR = Backends.scalar();

    private static final int[] LENGTHS = {1, 17, 389, 4097, 20011};

    static CudaKernels kernels() {
        Assumptions.assumeTrue(CudaKernels.isAvailable(), () -> "CUDA unavailable: " + CudaKernels.unavailableReason());
        return CudaKernels.get();
    }

    private static TensorCodec codec(int n, double bound, int keyInterval, int decisionInterval) {
        TensorCodec.Builder b = TensorCodec.builder()
                .shape(n)
                .keyInterval(keyInterval)
                .decisionInterval(decisionInterval)
                .backend(SCALAR);
        return (bound > 0 ? b.errorBound(bound) : b.lossless()).build();
    }

    @Test
    void denseAndShapelessCodecsAreRejectedEverywhere() {
        try (TestArena arena = TestArena.open()) {
            TensorCodec dense = TensorCodec.builder()
                    .shape(8)
                    .errorBound(1e-3)
                    .packing(TensorCodec.Packing.DENSE)
                    .build();
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> new DeviceTensorEncoder(dense, arena));
            assertTrue(e.getMessage().contains("FAST packing only"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new DeviceTensorDecoder(dense, arena));
            assertTrue(e.getMessage().contains("FAST packing only"), e.getMessage());
            TensorCodec shapeless = TensorCodec.builder().errorBound(1e-3).build();
            assertThrows(IllegalStateException.class, () -> new DeviceTensorEncoder(shapeless, arena));
            assertThrows(IllegalStateException.class, () -> new DeviceTensorDecoder(shapeless, arena));
        }
    }

    @Test
    void withoutCudaTheConstructorSaysWhy() {
        Assumptions.assumeFalse(CudaKernels.isAvailable(), "CUDA is available here");
        try (TestArena arena = TestArena.open()) {
            CudaException e =
                    assertThrows(CudaException.class, () -> new DeviceTensorEncoder(codec(16, 1e-3, 8, 4), arena));
            assertTrue(e.getMessage().contains(CudaKernels.unavailableReason()), e.getMessage());
        }
    }

    @Test
    void framesAreTheHostEncodersByteForByte() throws StreamException {
        CudaKernels k = kernels();
        SplittableRandom r = Seeds.random("device tensor codec");
        TensorStreams.Kind[] kinds = {
            TensorStreams.Kind.DRIFTING,
            TensorStreams.Kind.INDEPENDENT,
            TensorStreams.Kind.SPECIALS,
            TensorStreams.Kind.HUGE,
            TensorStreams.Kind.ALTERNATING,
            TensorStreams.Kind.CONSTANT
        };
        double[] bounds = {1e-4, 1e-2, 0};
        for (int n : LENGTHS) {
            for (TensorStreams.Kind kind : kinds) {
                for (double bound : bounds) {
                    float[][] rows = TensorStreams.make(kind, 24, n, r);
                    // Occasionally an outlier row: escapes beyond 2^22 steps, or NaN/Inf mixed into drift.
                    if (kind == TensorStreams.Kind.DRIFTING) {
                        rows[9][r.nextInt(n)] = Float.NaN;
                        rows[10][r.nextInt(n)] = 3e30f;
                        rows[11][r.nextInt(n)] = Float.NEGATIVE_INFINITY;
                    }
                    check(k, codec(n, bound, 10, 3), rows, kind + " n=" + n + " bound=" + bound);
                }
            }
        }
    }

    /** Encodes on host and device, compares the frames, decodes with both decoders. */
    private static void check(CudaKernels k, TensorCodec codec, float[][] rows, String what) throws StreamException {
        int n = codec.values();
        long stream = k.createStream();
        long dIn = k.allocate(4L * n);
        long dOut = k.allocate(4L * n);
        try (TestArena arena = TestArena.open();
                DeviceTensorEncoder denc = new DeviceTensorEncoder(codec, arena);
                DeviceTensorDecoder ddec = new DeviceTensorDecoder(codec, arena)) {
            TensorEncoder henc = codec.newEncoder(arena);
            TensorDecoder hdec = codec.newDecoder(arena);
            MemorySegment pinned = k.allocatePinned(4L * n, arena);
            MemorySegment recon = k.allocatePinned(4L * n, arena);
            MemorySegment hOut = arena.allocate(4L * n);
            FrameStreamReader reader = new FrameStreamReader(arena);
            List<FrameKind> kindsSeen = new ArrayList<>();
            StreamHeader header = StreamHeader.newBuilder().build();
            int hl = henc.header(header);
            int dl = denc.header(header);
            assertEquals(
                    -1L,
                    henc.buffer()
                            .asSlice(henc.frameOffset(), hl)
                            .mismatch(denc.buffer().asSlice(denc.frameOffset(), dl)),
                    what + ": HEADER frames differ");
            MemorySegment headerFrame = arena.allocate(dl);
            MemorySegment.copy(denc.buffer(), denc.frameOffset(), headerFrame, 0, dl);
            reader.feed(headerFrame);
            for (int f = 0; f < rows.length; f++) {
                if (f == 15) {
                    henc.requestKey();
                    denc.requestKey();
                }
                MemorySegment.copy(rows[f], 0, pinned, FLOAT_LE, 0, n);
                k.copyToDevice(pinned, dIn, stream);
                int dlen = denc.encode(dIn, stream);
                int hlen = henc.encode(pinned, 0);
                MemorySegment hFrame = henc.buffer().asSlice(henc.frameOffset(), hlen);
                MemorySegment dFrame = denc.buffer().asSlice(denc.frameOffset(), dlen);
                assertEquals(
                        -1L,
                        hFrame.mismatch(dFrame),
                        what + ": frame " + f + " differs (" + henc.lastKind() + " " + hlen + " bytes on the host, "
                                + denc.lastKind() + " " + dlen + " on the device)");
                assertEquals(henc.lastKind(), denc.lastKind());
                kindsSeen.add(denc.lastKind());
                k.copyToHost(denc.deviceReconstruction(), recon, stream);
                k.synchronize(stream);
                assertEquals(
                        -1L,
                        henc.reconstruction().mismatch(recon),
                        what + ": frame " + f + ": device reconstruction differs from the host's");

                MemorySegment copy = arena.allocate(dlen);
                MemorySegment.copy(dFrame, 0, copy, 0, dlen);
                reader.feed(copy);
                assertTrue(reader.next(), what + ": frame " + f + " reads");
                if (reader.frame().kind() == FrameKind.FRAME_KIND_HEADER) {
                    assertTrue(reader.next(), what + ": frame " + f + " reads");
                }
                assertEquals(n, hdec.decode(reader, hOut, 0));
                assertEquals(n, ddec.decode(reader, dOut, stream));
                k.copyToHost(dOut, recon, stream);
                k.synchronize(stream);
                assertEquals(
                        -1L, hOut.mismatch(recon), what + ": frame " + f + ": device decoder differs from the host's");
                double bound = codec.errorBound();
                for (int i = 0; i < n; i++) {
                    float x = rows[f][i];
                    float d = hOut.get(FLOAT_LE, 4L * i);
                    if (bound == 0 || !Float.isFinite(x)) {
                        assertEquals(
                                Float.floatToRawIntBits(x),
                                hOut.get(INT_LE, 4L * i),
                                what + ": frame " + f + " value " + i + " not exact");
                    } else {
                        assertTrue(
                                Math.abs((double) d - x) <= bound,
                                what + ": frame " + f + " value " + i + ": " + d + " for " + x);
                    }
                }
                assertFalse(reader.next());
            }
            int hEnd = henc.end();
            int dEnd = denc.end();
            assertEquals(
                    -1L,
                    henc.buffer()
                            .asSlice(henc.frameOffset(), hEnd)
                            .mismatch(denc.buffer().asSlice(denc.frameOffset(), dEnd)),
                    what + ": END frames differ");
            assertTrue(kindsSeen.contains(FrameKind.FRAME_KIND_KEY), what);
            assertThrows(IllegalStateException.class, () -> denc.encode(dIn, stream));
        } finally {
            k.free(dIn);
            k.free(dOut);
            k.destroyStream(stream);
        }
    }

    @Test
    void argumentChecksAreClear() throws StreamException {
        CudaKernels k = kernels();
        long dIn = k.allocate(4L * 64);
        long dOut = k.allocate(4L * 64);
        try (TestArena arena = TestArena.open();
                DeviceTensorEncoder enc = new DeviceTensorEncoder(codec(64, 1e-3, 8, 4), arena);
                DeviceTensorDecoder dec = new DeviceTensorDecoder(codec(64, 1e-3, 8, 4), arena);
                DeviceTensorDecoder other = new DeviceTensorDecoder(codec(65, 1e-3, 8, 4), arena)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> enc.encode(0, 0));
            assertTrue(e.getMessage().contains("null device pointer"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> enc.encode(dIn, 65, 0));
            assertTrue(e.getMessage().contains("count of 65 values"), e.getMessage());
            assertEquals(0, enc.nextSeq()); // nothing was encoded
            MemorySegment pinned = k.allocatePinned(4L * 64, arena);
            k.copyToDevice(pinned, dIn, 0);
            int len = enc.encode(dIn, 64, 0);
            MemorySegment frame = arena.allocate(len);
            MemorySegment.copy(enc.buffer(), enc.frameOffset(), frame, 0, len);
            FrameStreamReader reader = new FrameStreamReader(arena);
            reader.feed(frame);
            assertTrue(reader.next());
            e = assertThrows(IllegalArgumentException.class, () -> dec.decode(reader, 0, 0));
            assertTrue(e.getMessage().contains("null device pointer"), e.getMessage());
            // A frame of 64 values for a decoder of 65: rejected, naming the dimension.
            CorruptFrameException c = assertThrows(CorruptFrameException.class, () -> other.decode(reader, dOut, 0));
            assertTrue(c.getMessage().contains("dimension 0 is 64"), c.getMessage());
            assertFalse(other.hasReference());
            assertEquals(64, dec.decode(reader, dOut, 0));
            assertTrue(dec.hasReference());
        } finally {
            k.free(dIn);
            k.free(dOut);
        }
    }

    @Test
    void denseFramesAreRejectedByTheDeviceDecoder() throws StreamException {
        CudaKernels k = kernels();
        long dOut = k.allocate(4L * 32);
        try (TestArena arena = TestArena.open();
                DeviceTensorDecoder dec = new DeviceTensorDecoder(codec(32, 1e-3, 8, 4), arena)) {
            TensorCodec dense = TensorCodec.builder()
                    .shape(32)
                    .errorBound(1e-3)
                    .packing(TensorCodec.Packing.DENSE)
                    .backend(SCALAR)
                    .build();
            TensorEncoder enc = dense.newEncoder(arena);
            MemorySegment in = arena.allocate(4L * 32);
            int len = enc.encode(in, 0);
            MemorySegment frame = arena.allocate(len);
            MemorySegment.copy(enc.buffer(), enc.frameOffset(), frame, 0, len);
            FrameStreamReader reader = new FrameStreamReader(arena);
            reader.feed(frame);
            assertTrue(reader.next());
            UnsupportedFormatException e =
                    assertThrows(UnsupportedFormatException.class, () -> dec.decode(reader, dOut, 0));
            assertTrue(e.getMessage().contains("host only"), e.getMessage());
        } finally {
            k.free(dOut);
        }
    }
}
