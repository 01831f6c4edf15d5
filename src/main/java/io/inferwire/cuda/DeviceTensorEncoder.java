package io.inferwire.cuda;

import static io.inferwire.memory.Layouts.INT_LE;

import io.inferwire.lz4.Lz4Block;
import io.inferwire.proto.v1.FrameKind;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.proto.v1.Transform;
import io.inferwire.transform.QuantParams;
import io.inferwire.transform.TensorCodec;
import io.inferwire.transform.TensorEncoder;
import io.inferwire.transform.internal.BlockPacking;
import io.inferwire.transform.internal.CudaLoader;
import io.inferwire.transform.internal.DeviceOps;
import io.inferwire.transform.internal.TensorFraming;
import io.inferwire.wire.FrameEncoder;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Encodes one float32 tensor stream whose rows are already on the GPU: the device-resident
 * twin of {@link TensorEncoder}, producing exactly the frames {@code TensorEncoder}
 * produces for the same values (same KEY/DELTA decisions, payloads and framing).
 *
 * <p>{@link #encode} takes a device pointer to {@link TensorCodec#values()} float32
 * values. The closed-loop quantization runs on the device against a reconstruction that
 * stays on the device (the candidate reconstruction is adopted when its frame is
 * chosen); the codes are packed on the device and only the packed bytes are copied to
 * pinned host memory, which LZ4 (in the library's {@link FrameEncoder}) compresses in
 * place. A frame whose packed payload would exceed {@code 4n} bytes is sent as a lossless
 * KEY, as on the host.
 *
 * <p>Escapes (values the quantizer cannot code: NaN, infinities, jumps beyond
 * {@code 2^22} steps) are rare. When a frame has any, the codes and the values are copied
 * back to pinned host memory ({@code 8n} bytes) to find them and append their exact bits
 * in index order; frames without escapes copy only the packed bytes.
 *
 * <p>Lossless codecs ({@link TensorCodec.Mode#LOSSLESS}, byte planes XORed with the
 * previous row) are supported too; their planes are {@code 4n} bytes, so the transfer
 * does not shrink. {@link TensorCodec.Packing#DENSE} is not supported (its range coder
 * runs on the host).
 *
 * <p>The caller's {@code stream} orders the work after whatever produced the values;
 * {@link #encode} waits for it before it returns, and the values are only read. Device
 * buffers ({@code 5 * 4n} bytes) are freed by {@link #close()}; pinned host memory and the
 * frame buffer come from the arena given at construction, which must outlive the encoder.
 * Not thread-safe.
 */
public final class DeviceTensorEncoder implements AutoCloseable {

    private final TensorCodec codec;
    private final DeviceOps cuda;
    private final Arena arena;
    private final int n;
    private final long bytes;
    private final boolean lossless;
    private final QuantParams qp;
    private final double bound;
    private final FrameEncoder frames;
    private final TensorFraming framing;

    private long dRecon;
    private long dCandA;
    private long dCandB;
    private long dZA;
    private long dZB;
    private final MemorySegment payA;
    private final MemorySegment payB;
    private MemorySegment hCodes;
    private MemorySegment hValues;
    private Lz4Block probeA;
    private Lz4Block probeB;
    private MemorySegment scratch;
    private boolean closed;

    /**
     * An encoder for one stream of {@code codec} on device 0.
     *
     * @param codec a codec with a shape, {@link TensorCodec.Packing#FAST} packing
     * @param arena where the pinned payload buffers and the frame buffer come from
     * @throws IllegalArgumentException if the codec uses {@link TensorCodec.Packing#DENSE}
     * @throws IllegalStateException if the codec has no shape
     * @throws CudaException if CUDA cannot run here (the message says why)
     */
    public DeviceTensorEncoder(TensorCodec codec, Arena arena) {
        this(supported(codec), arena, CudaLoader.get());
    }

    /** The encoder on {@code ops} (a host emulation in tests). */
    DeviceTensorEncoder(TensorCodec codec, Arena arena, DeviceOps ops) {
        supported(codec);
        this.codec = codec;
        this.arena = arena;
        this.cuda = ops;
        this.n = codec.values();
        this.bytes = 4L * n;
        this.lossless = codec.mode() == TensorCodec.Mode.LOSSLESS;
        this.bound = codec.errorBound();
        this.qp = lossless ? null : QuantParams.of(bound);
        long largest = Math.max(bytes, 4096);
        if (largest > 1 << 30) {
            throw new IllegalArgumentException("frames of " + n + " values are too large for one frame");
        }
        this.frames = new FrameEncoder(arena, (int) largest, FrameEncoder.Compression.LZ4, codec.checksums());
        this.framing = new TensorFraming(codec, frames);
        long pay = Math.max(bytes, (long) BlockPacking.maxPackedBytes(n) + bytes);
        this.payA = cuda.allocatePinned(pay, arena);
        this.payB = cuda.allocatePinned(pay, arena);
        try {
            dRecon = cuda.allocate(bytes);
            dZA = cuda.allocate(bytes);
            dZB = cuda.allocate(bytes);
            if (!lossless) {
                dCandA = cuda.allocate(bytes);
                dCandB = cuda.allocate(bytes);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Checks that {@code codec} can run on the device (before CUDA is touched). */
    private static TensorCodec supported(TensorCodec codec) {
        if (codec.packing() != TensorCodec.Packing.FAST) {
            throw new IllegalArgumentException("the device encoder supports FAST packing only; " + codec.packing()
                    + " packing (range coding) runs on the host: use TensorEncoder");
        }
        if (codec.values() == 0) {
            throw new IllegalStateException("an encoder needs a shape with at least one value");
        }
        return codec;
    }

    /** The codec this encoder was made by. */
    public TensorCodec codec() {
        return codec;
    }

    /**
     * Encodes a HEADER frame carrying {@code header}; call it first, if at all.
     *
     * @return the length of the delimited frame
     * @throws IllegalStateException if frames were already encoded
     */
    public int header(StreamHeader header) {
        return framing.header(header);
    }

    /**
     * Encodes the END frame that closes the stream; afterwards {@link #encode} and {@code
     * end} throw {@link IllegalStateException}.
     *
     * @return the length of the delimited frame
     */
    public int end() {
        return framing.end();
    }

    /** Makes the next frame a KEY frame (for a receiver that resynchronizes or resumes). */
    public void requestKey() {
        framing.requestKey();
    }

    /**
     * Encodes the {@link TensorCodec#values()} float32 values at device pointer {@code
     * dValues} as the stream's next frame; the work is queued on {@code stream} (a {@code
     * CUstream} as a {@code long}, 0 for the legacy default stream), which this call waits
     * for. The values are only read.
     *
     * @return the length of the delimited frame in {@link #buffer()}
     * @throws IllegalArgumentException if {@code dValues} is 0
     * @throws IllegalStateException after {@link #end()} or {@link #close()}
     * @throws CudaException if a driver call fails
     */
    public int encode(long dValues, long stream) {
        checkLive();
        if (dValues == 0) {
            throw new IllegalArgumentException("dValues is a null device pointer");
        }
        framing.checkOpen();
        boolean key = framing.startFrame();
        int len = lossless ? encodeLossless(dValues, stream, key) : encodeQuantized(dValues, stream, key);
        framing.finishFrame(key);
        return len;
    }

    /**
     * As {@link #encode(long, long)}, with the caller's count of values at {@code dValues}
     * checked against the codec's (device buffer sizes cannot be checked otherwise).
     *
     * @return the length of the delimited frame in {@link #buffer()}
     * @throws IllegalArgumentException if {@code count} is not {@link TensorCodec#values()}
     *     or {@code dValues} is 0
     */
    public int encode(long dValues, long count, long stream) {
        if (count != n) {
            throw new IllegalArgumentException(
                    "count of " + count + " values, this stream's frames have " + n + " (its codec's shape)");
        }
        return encode(dValues, stream);
    }

    private void checkLive() {
        if (closed) {
            throw new IllegalStateException("the device encoder is closed");
        }
    }

    private int encodeLossless(long dX, long s, boolean key) {
        int size = (int) bytes;
        boolean delta;
        if (!key && framing.decideNow()) {
            if (probeA == null) {
                probeA = new Lz4Block();
                probeB = new Lz4Block();
                scratch = arena.allocate(Lz4Block.maxCompressedLength(size), 64);
            }
            cuda.xorSplit(dX, dRecon, true, dZA, n, s);
            cuda.xorSplit(dX, dRecon, false, dZB, n, s);
            cuda.copyToHost(dZA, payA, 0, bytes, s);
            cuda.copyToHost(dZB, payB, 0, bytes, s);
            cuda.synchronize(s);
            int sa = Math.min(size, probeA.compress(payA, 0, size, scratch, 0));
            int sb = Math.min(size, probeB.compress(payB, 0, size, scratch, 0));
            framing.deltaPays(sa < sb);
            delta = framing.deltaPays();
            if (!delta) {
                MemorySegment.copy(payB, 0, payA, 0, bytes); // as the host encoder: the frame is read from payA
            }
        } else {
            delta = !key && framing.deltaPays();
            cuda.xorSplit(dX, dRecon, delta, dZA, n, s);
            cuda.copyToHost(dZA, payA, 0, bytes, s);
        }
        cuda.copyDeviceToDevice(dX, dRecon, bytes, s);
        cuda.synchronize(s);
        return framing.emit(delta, delta, Transform.TRANSFORM_XOR_PLANES_VALUE, 0, payA, size);
    }

    private int encodeQuantized(long dX, long s, boolean key) {
        long size;
        boolean delta;
        if (key) {
            size = quantizeInto(dX, s, true, dZA, dCandA, payA);
            delta = false;
        } else if (framing.decideNow()) {
            long sa = quantizeInto(dX, s, false, dZA, dCandA, payA);
            long sb = quantizeInto(dX, s, true, dZB, dCandB, payB);
            framing.deltaPays(sa < sb);
            delta = framing.deltaPays();
            if (!delta) {
                long t = dCandA;
                dCandA = dCandB;
                dCandB = t;
                MemorySegment.copy(payB, 0, payA, 0, sb); // as the host encoder: the frame is read from payA
                size = sb;
            } else {
                size = sa;
            }
        } else {
            delta = framing.deltaPays();
            size = quantizeInto(dX, s, !delta, dZA, dCandA, payA);
        }
        if (size > bytes) {
            return losslessKey(dX, s); // escapes made it larger than the values
        }
        long t = dRecon; // the candidate the frame was coded with becomes the reference
        dRecon = dCandA;
        dCandA = t;
        return framing.emit(delta, delta, Transform.TRANSFORM_QUANT_PACKED_VALUE, bound, payA, (int) size);
    }

    /**
     * Quantizes against the device reconstruction (or zero), packs on the device, copies
     * the packed bytes to {@code pay}, appends the escaped values; returns the payload size.
     */
    private long quantizeInto(long dX, long s, boolean intra, long dZ, long dNext, MemorySegment pay) {
        long escapes = cuda.quantize(dX, dRecon, intra, qp, dZ, dNext, n, s);
        long size = cuda.packToHost(dZ, n, pay, 0, s);
        if (escapes > 0) {
            // Rare: bring the codes and values up to find the escaped ones, in index order.
            if (hCodes == null) {
                hCodes = cuda.allocatePinned(bytes, arena);
                hValues = cuda.allocatePinned(bytes, arena);
            }
            cuda.copyToHost(dZ, hCodes, 0, bytes, s);
            cuda.copyToHost(dX, hValues, 0, bytes, s);
            cuda.synchronize(s);
            for (int i = 0; i < n && escapes > 0; i++) {
                if (hCodes.get(INT_LE, 4L * i) == QuantParams.ESCAPE) {
                    pay.set(INT_LE, size, hValues.get(INT_LE, 4L * i));
                    size += 4;
                    escapes--;
                }
            }
        }
        return size;
    }

    /** The values exactly, as a self-contained lossless KEY (carrying the stream's bound). */
    private int losslessKey(long dX, long s) {
        cuda.xorSplit(dX, 0, false, dZA, n, s);
        cuda.copyToHost(dZA, payA, 0, bytes, s);
        cuda.copyDeviceToDevice(dX, dRecon, bytes, s);
        cuda.synchronize(s);
        return framing.emit(false, false, Transform.TRANSFORM_XOR_PLANES_VALUE, bound, payA, (int) bytes);
    }

    /** The buffer holding the last encoded frame; owned by the arena given at construction. */
    public MemorySegment buffer() {
        return frames.buffer();
    }

    /** Offset of the last encoded frame (its length prefix) in {@link #buffer()}. */
    public long frameOffset() {
        return frames.frameOffset();
    }

    /** Length of the last encoded frame, length prefix included. */
    public int frameLength() {
        return frames.frameLength();
    }

    /** A ByteBuffer over the last frame for channel writes (the same object every call). */
    public ByteBuffer frameBuffer() {
        return frames.frameBuffer();
    }

    /** The kind of the last encoded frame, or null before the first. */
    public FrameKind lastKind() {
        return framing.lastKind();
    }

    /** The transform wire number of the last tensor frame. */
    public int lastTransform() {
        return framing.lastTransform();
    }

    /** The sequence number the next frame will carry. */
    public long nextSeq() {
        return framing.nextSeq();
    }

    /**
     * The device reconstruction after the last frame ({@code 4n} bytes): exactly what a
     * decoder hands out for it. Owned by this encoder; valid until the next call.
     */
    public long deviceReconstruction() {
        return dRecon;
    }

    /** Frees the device buffers (idempotent); the encoder cannot be used afterwards. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (long d : new long[] {dRecon, dCandA, dCandB, dZA, dZB}) {
            cuda.free(d);
        }
        dRecon = dCandA = dCandB = dZA = dZB = 0;
    }
}
