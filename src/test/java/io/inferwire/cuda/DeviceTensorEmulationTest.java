package io.inferwire.cuda;

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
import io.inferwire.proto.v1.FrameKind;
import io.inferwire.transform.Backend;
import io.inferwire.transform.Backends;
import io.inferwire.transform.QuantParams;
import io.inferwire.transform.TensorCodec;
import io.inferwire.transform.TensorDecoder;
import io.inferwire.transform.TensorEncoder;
import io.inferwire.transform.internal.DeviceOps;
import io.inferwire.wire.FrameStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The device tensor codec's orchestration (KEY/DELTA decisions, candidate adoption,
 * escapes found through the host, lossless fallback, framing, the decoder's escape
 * patching and checks) on a host emulation of the device operations: "device pointers"
 * are addresses of native memory and the kernels are the scalar backend. Runs everywhere;
 * on a GPU, {@code DeviceTensorCodecTest} checks the same with the CUDA kernels.
 */
class DeviceTensorEmulationTest {

    /** The device operations on native host memory, with the scalar backend as kernels. */
    static final class HostOps implements DeviceOps {
        private final Backend b = Backends.scalar();
        private final Map<Long, Arena> live = new HashMap<>();

        @SuppressWarnings("restricted") // addresses of segments this object allocated, or the test's own
        private static MemorySegment at(long p, long bytes) {
            return MemorySegment.ofAddress(p).reinterpret(bytes);
        }

        int liveBuffers() {
            return live.size();
        }

        @Override
        public long allocate(long bytes) {
            Arena a = Arena.ofShared();
            long p = a.allocate(Math.max(1, bytes), 64).address();
            live.put(p, a);
            return p;
        }

        @Override
        public void free(long p) {
            if (p != 0) {
                live.remove(p).close();
            }
        }

        @Override
        public MemorySegment allocatePinned(long bytes, Arena arena) {
            return arena.allocate(bytes, 64);
        }

        @Override
        public void copyToDevice(MemorySegment src, long srcOff, long dst, long bytes, long stream) {
            MemorySegment.copy(src, srcOff, at(dst, bytes), 0, bytes);
        }

        @Override
        public void copyToHost(long src, MemorySegment dst, long dstOff, long bytes, long stream) {
            MemorySegment.copy(at(src, bytes), 0, dst, dstOff, bytes);
        }

        @Override
        public void copyDeviceToDevice(long src, long dst, long bytes, long stream) {
            MemorySegment.copy(at(src, bytes), 0, at(dst, bytes), 0, bytes);
        }

        @Override
        public void synchronize(long stream) {}

        @Override
        public void xorSplit(long dX, long dRef, boolean hasRef, long dPlanes, long n, long stream) {
            long len = 4 * n;
            MemorySegment x = at(dX, len);
            b.xorSplit(x, 0, hasRef ? at(dRef, len) : x, 0, hasRef, at(dPlanes, len), 0, (int) n);
        }

        @Override
        public void xorMerge(long dPlanes, long dRef, boolean hasRef, long dOut, long n, long stream) {
            long len = 4 * n;
            MemorySegment planes = at(dPlanes, len);
            b.xorMerge(planes, 0, hasRef ? at(dRef, len) : planes, 0, hasRef, at(dOut, len), 0, (int) n);
        }

        @Override
        public long quantize(long dX, long dPrev, boolean intra, QuantParams p, long dZ, long dNext, long n, long s) {
            long len = 4 * n;
            MemorySegment x = at(dX, len);
            return b.quantize(
                    x, 0, intra ? x : at(dPrev, len), 0, intra, p, at(dZ, len), 0, at(dNext, len), 0, (int) n);
        }

        @Override
        public void dequantize(long dZ, long dPrev, boolean intra, QuantParams p, long dNext, long n, long s) {
            long len = 4 * n;
            MemorySegment z = at(dZ, len);
            b.dequantize(z, 0, intra ? z : at(dPrev, len), 0, intra, p, at(dNext, len), 0, (int) n);
        }

        @Override
        public long packToHost(long dCodes, long n, MemorySegment out, long outOff, long stream) {
            return b.pack(at(dCodes, 4 * n), 0, (int) n, out, outOff);
        }

        @Override
        public long unpackFromHost(MemorySegment in, long inOff, long length, long dCodes, long n, long stream)
                throws CorruptFrameException {
            return b.unpack(in, inOff, length, at(dCodes, 4 * n), 0, (int) n);
        }
    }

    private static TensorCodec codec(int n, double bound) {
        TensorCodec.Builder b = TensorCodec.builder()
                .shape(n)
                .keyInterval(10)
                .decisionInterval(3)
                .backend(Backends.scalar());
        return (bound > 0 ? b.errorBound(bound) : b.lossless()).build();
    }

    private static float[][] rows(String kind, int frames, int n, SplittableRandom r) {
        float[][] rows = new float[frames][n];
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * 0.05);
        }
        for (int f = 0; f < frames; f++) {
            for (int i = 0; i < n; i++) {
                a[i] += (float) (r.nextGaussian() * 3e-4);
                rows[f][i] = switch (kind) {
                    case "drifting" -> a[i];
                    case "independent" -> (float) (r.nextGaussian() * 0.05);
                    case "huge" -> (float) (r.nextGaussian() * 1e30);
                    default -> // specials mixed into drift
                        switch (r.nextInt(16)) {
                            case 0 -> Float.intBitsToFloat(0x7fc00000 | r.nextInt(1 << 22));
                            case 1 -> Float.POSITIVE_INFINITY;
                            case 2 -> Float.NEGATIVE_INFINITY;
                            case 3 -> Float.MAX_VALUE;
                            case 4 -> -0.0f;
                            default -> a[i];
                        };
                };
            }
        }
        if (kind.equals("drifting")) {
            rows[5][r.nextInt(n)] = Float.NaN; // a rare escape
            rows[6][r.nextInt(n)] = 5e30f;
        }
        return rows;
    }

    @Test
    void emulatedDeviceFramesAreTheHostEncodersByteForByte() throws StreamException {
        SplittableRandom r = Seeds.random("device tensor codec, emulated");
        HostOps ops = new HostOps();
        Set<FrameKind> seen = EnumSet.noneOf(FrameKind.class);
        for (int n : new int[] {1, 17, 389, 4097}) {
            for (String kind : new String[] {"drifting", "independent", "huge", "specials"}) {
                for (double bound : new double[] {1e-4, 1e-2, 0}) {
                    check(ops, codec(n, bound), rows(kind, 24, n, r), kind + " n=" + n + " bound=" + bound, seen);
                }
            }
        }
        assertTrue(seen.contains(FrameKind.FRAME_KIND_DELTA) && seen.contains(FrameKind.FRAME_KIND_KEY), "" + seen);
        assertEquals(0, ops.liveBuffers(), "device buffers left");
    }

    private static void check(HostOps ops, TensorCodec codec, float[][] rows, String what, Set<FrameKind> seen)
            throws StreamException {
        int n = codec.values();
        long dIn = ops.allocate(4L * n);
        long dOut = ops.allocate(4L * n);
        try (TestArena arena = TestArena.open();
                DeviceTensorEncoder denc = new DeviceTensorEncoder(codec, arena, ops);
                DeviceTensorDecoder ddec = new DeviceTensorDecoder(codec, arena, ops)) {
            TensorEncoder henc = codec.newEncoder(arena);
            TensorDecoder hdec = codec.newDecoder(arena);
            MemorySegment in = arena.allocate(4L * n);
            MemorySegment out = arena.allocate(4L * n);
            MemorySegment dev = arena.allocate(4L * n);
            FrameStreamReader reader = new FrameStreamReader(arena);
            for (int f = 0; f < rows.length; f++) {
                if (f == 15) {
                    henc.requestKey();
                    denc.requestKey();
                }
                MemorySegment.copy(rows[f], 0, in, FLOAT_LE, 0, n);
                ops.copyToDevice(in, 0, dIn, 4L * n, 0);
                int dlen = denc.encode(dIn, n, 0);
                int hlen = henc.encode(in, 0);
                MemorySegment dFrame = denc.buffer().asSlice(denc.frameOffset(), dlen);
                assertEquals(
                        -1L,
                        henc.buffer().asSlice(henc.frameOffset(), hlen).mismatch(dFrame),
                        what + ": frame " + f + " differs (" + henc.lastKind() + " " + hlen + " bytes, device "
                                + denc.lastKind() + " " + dlen + ")");
                seen.add(denc.lastKind());
                ops.copyToHost(denc.deviceReconstruction(), dev, 0, 4L * n, 0);
                assertEquals(-1L, henc.reconstruction().mismatch(dev), what + ": frame " + f + " reconstruction");
                MemorySegment copy = arena.allocate(dlen);
                MemorySegment.copy(dFrame, 0, copy, 0, dlen);
                reader.feed(copy);
                assertTrue(reader.next());
                assertEquals(n, hdec.decode(reader, out, 0));
                assertEquals(n, ddec.decode(reader, dOut, 0));
                ops.copyToHost(dOut, dev, 0, 4L * n, 0);
                assertEquals(-1L, out.mismatch(dev), what + ": frame " + f + ": device decoder differs");
                for (int i = 0; i < n; i++) {
                    float x = rows[f][i];
                    if (codec.errorBound() == 0 || !Float.isFinite(x)) {
                        assertEquals(Float.floatToRawIntBits(x), out.get(INT_LE, 4L * i), what + " exact");
                    } else {
                        assertTrue(Math.abs((double) out.get(FLOAT_LE, 4L * i) - x) <= codec.errorBound(), what);
                    }
                }
                assertFalse(reader.next());
            }
        } finally {
            ops.free(dIn);
            ops.free(dOut);
        }
    }

    @Test
    void corruptEscapesAreRejectedAndTheReferenceDropped() throws StreamException {
        HostOps ops = new HostOps();
        int n = 64;
        TensorCodec codec = codec(n, 1e-3);
        long dIn = ops.allocate(4L * n);
        long dOut = ops.allocate(4L * n);
        try (TestArena arena = TestArena.open();
                DeviceTensorEncoder enc = new DeviceTensorEncoder(codec, arena, ops);
                DeviceTensorDecoder dec = new DeviceTensorDecoder(codec, arena, ops)) {
            MemorySegment in = arena.allocate(4L * n);
            in.set(FLOAT_LE, 12, Float.NaN); // one escape: 4 bytes at the payload's end
            ops.copyToDevice(in, 0, dIn, 4L * n, 0);
            int len = enc.encode(dIn, 0);
            MemorySegment frame = arena.allocate(len);
            MemorySegment.copy(enc.buffer(), enc.frameOffset(), frame, 0, len);
            FrameStreamReader reader = new FrameStreamReader(arena);
            reader.feed(frame);
            assertTrue(reader.next());
            long at = reader.dataOffset();
            long size = reader.dataLength();
            // Drop the escaped value: 4 bytes fewer than the escape codes need.
            CorruptFrameException e = assertThrows(
                    CorruptFrameException.class,
                    () -> dec.decode(reader.frame(), reader.dataSegment(), at, size - 4, dOut, 0));
            assertTrue(e.getMessage().contains("more escape codes than escaped values"), e.getMessage());
            assertFalse(dec.hasReference());
            assertEquals(n, dec.decode(reader, dOut, 0));
            assertTrue(dec.hasReference());
            MemorySegment out = arena.allocate(4L * n);
            ops.copyToHost(dOut, out, 0, 4L * n, 0);
            assertEquals(in.get(INT_LE, 12), out.get(INT_LE, 12));
        } finally {
            ops.free(dIn);
            ops.free(dOut);
        }
    }
}
