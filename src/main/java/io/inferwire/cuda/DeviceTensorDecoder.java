package io.inferwire.cuda;

import static io.inferwire.memory.Layouts.INT_LE;

import io.inferwire.CorruptFrameException;
import io.inferwire.StreamException;
import io.inferwire.UnsupportedFormatException;
import io.inferwire.memory.internal.Checks;
import io.inferwire.proto.v1.FrameKind;
import io.inferwire.proto.v1.Transform;
import io.inferwire.transform.QuantParams;
import io.inferwire.transform.TensorCodec;
import io.inferwire.transform.TensorDecoder;
import io.inferwire.transform.internal.BlockPacking;
import io.inferwire.transform.internal.CudaLoader;
import io.inferwire.transform.internal.DecodeState;
import io.inferwire.transform.internal.DeviceOps;
import io.inferwire.wire.FrameStreamReader;
import io.inferwire.wire.FrameView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Decodes one float32 tensor stream into device memory: the mirror of {@link
 * DeviceTensorEncoder}, giving the same values as {@link TensorDecoder}. The payload (host
 * bytes, as {@link FrameStreamReader} hands them out after LZ4 and the checksum) is
 * copied to the device and unpacked there; the reconstruction stays on the device and
 * each decoded row is copied to the caller's device buffer.
 *
 * <p>Frames with packed residuals ({@link TensorCodec.Mode#ERROR_BOUNDED}, the FAST
 * packing) and byte planes (lossless streams, and the lossless KEY frames an
 * error-bounded stream falls back to) are decoded; DENSE frames (range coded) are
 * rejected with an {@link UnsupportedFormatException}. Escaped values are rare: when a
 * frame has any, the codes and the reconstruction are copied to pinned host memory,
 * patched there and copied back ({@code 12n} bytes); frames without them move only the
 * payload.
 *
 * <p>The codec must have a shape: device buffers are sized for it at construction, and
 * KEY frames of another shape are rejected. As with {@link TensorDecoder}, a DELTA frame
 * without a valid reference (at the start, or after a rejected frame) is rejected until
 * the next KEY frame. Device buffers are freed by {@link #close()}; pinned staging comes
 * from the arena given at construction. Not thread-safe.
 */
public final class DeviceTensorDecoder implements AutoCloseable {

    private final TensorCodec codec;
    private final DeviceOps cuda;
    private final Arena arena;
    private final int[] shape;
    private final DecodeState state = new DecodeState();
    private final int n;
    private final long bytes;
    private final MemorySegment stage;

    private long dRecon;
    private long dZ;
    private MemorySegment hCodes;
    private MemorySegment hRecon;
    private boolean closed;

    /**
     * A decoder for one stream of {@code codec} on device 0.
     *
     * @param codec a codec with a shape, {@link TensorCodec.Packing#FAST} packing
     * @param arena where the pinned staging buffers come from
     * @throws IllegalArgumentException if the codec uses {@link TensorCodec.Packing#DENSE}
     * @throws IllegalStateException if the codec has no shape
     * @throws CudaException if CUDA cannot run here (the message says why)
     */
    public DeviceTensorDecoder(TensorCodec codec, Arena arena) {
        this(supported(codec), arena, CudaLoader.get());
    }

    /** The decoder on {@code ops} (a host emulation in tests). */
    DeviceTensorDecoder(TensorCodec codec, Arena arena, DeviceOps ops) {
        supported(codec);
        this.codec = codec;
        this.arena = arena;
        this.cuda = ops;
        this.shape = codec.shape();
        this.n = codec.values();
        this.bytes = 4L * n;
        this.stage = cuda.allocatePinned(Math.max(bytes, (long) BlockPacking.maxPackedBytes(n) + bytes), arena);
        try {
            dRecon = cuda.allocate(bytes);
            dZ = cuda.allocate(bytes);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Checks that {@code codec} can run on the device (before CUDA is touched). */
    private static TensorCodec supported(TensorCodec codec) {
        if (codec.packing() != TensorCodec.Packing.FAST) {
            throw new IllegalArgumentException("the device decoder supports FAST packing only; " + codec.packing()
                    + " packing (range coding) runs on the host: use TensorDecoder");
        }
        if (codec.values() == 0) {
            throw new IllegalStateException(
                    "a device decoder needs a codec with a shape (its buffers are sized by it)");
        }
        return codec;
    }

    /** The codec this decoder was made by. */
    public TensorCodec codec() {
        return codec;
    }

    /**
     * Decodes the reader's current frame, when it is a tensor frame (KEY or DELTA), into
     * the {@link TensorCodec#values()} float32 values at device pointer {@code dOut}; the
     * work is queued on {@code stream} (0 for the legacy default stream), which this call
     * waits for.
     *
     * @return the number of values written, or -1 when the frame is not a tensor frame
     * @throws StreamException if the frame is not a valid tensor frame of this stream's
     *     shape, lacks its reference, or uses a transform decoded only on the host
     * @throws IllegalArgumentException if {@code dOut} is 0
     * @throws CudaException if a driver call fails
     */
    public int decode(FrameStreamReader reader, long dOut, long stream) throws StreamException {
        return decode(reader.frame(), reader.dataSegment(), reader.dataOffset(), reader.dataLength(), dOut, stream);
    }

    /**
     * Decodes one tensor frame whose decoded payload is {@code [dataOffset, dataOffset +
     * dataLength)} of {@code data} into device pointer {@code dOut}; see {@link
     * #decode(FrameStreamReader, long, long)}.
     *
     * @return the number of values written, or -1 when the frame is not a tensor frame
     * @throws StreamException if the frame is not a valid tensor frame or lacks its reference
     */
    public int decode(FrameView frame, MemorySegment data, long dataOffset, long dataLength, long dOut, long stream)
            throws StreamException {
        if (closed) {
            throw new IllegalStateException("the device decoder is closed");
        }
        FrameKind kind = frame.kind();
        if (kind != FrameKind.FRAME_KIND_KEY && kind != FrameKind.FRAME_KIND_DELTA) {
            return -1;
        }
        if (dOut == 0) {
            throw new IllegalArgumentException("dOut is a null device pointer");
        }
        Checks.checkRange(data, dataOffset, dataLength);
        try {
            decodeFrame(frame, kind == FrameKind.FRAME_KIND_KEY, data, dataOffset, dataLength, stream);
            cuda.copyDeviceToDevice(dRecon, dOut, bytes, stream);
            cuda.synchronize(stream);
            state.accepted(frame);
            return n;
        } catch (StreamException | RuntimeException e) {
            state.rejected();
            throw e;
        }
    }

    private void decodeFrame(FrameView f, boolean key, MemorySegment data, long off, long len, long s)
            throws StreamException {
        Transform transform = state.open(f, key);
        if (key || f.rank() > 0) {
            checkShape(f);
        }
        if (!key) {
            state.checkFollows(f);
        }
        switch (transform) {
            case TRANSFORM_XOR_PLANES -> {
                if (len != bytes) {
                    throw DecodeState.corrupt(f, "lossless payload of " + len + " bytes for " + n + " values");
                }
                MemorySegment in = data;
                long inOff = off;
                if (!data.isNative()) {
                    MemorySegment.copy(data, off, stage, 0, len);
                    in = stage;
                    inOff = 0;
                }
                cuda.copyToDevice(in, inOff, dZ, bytes, s);
                cuda.xorMerge(dZ, dRecon, !key, dRecon, n, s);
            }
            case TRANSFORM_QUANT_PACKED -> {
                QuantParams p = state.params(f);
                MemorySegment in = data;
                long inOff = off;
                if (!data.isNative()) {
                    if (len > stage.byteSize()) {
                        throw DecodeState.corrupt(
                                f, "packed payload of " + len + " bytes is more than " + n + " values can need");
                    }
                    MemorySegment.copy(data, off, stage, 0, len);
                    in = stage;
                    inOff = 0;
                }
                long used;
                try {
                    used = cuda.unpackFromHost(in, inOff, len, dZ, n, s);
                } catch (CorruptFrameException e) {
                    throw new CorruptFrameException(e.getMessage(), f.streamId(), f.seq(), -1, e);
                }
                cuda.dequantize(dZ, dRecon, key, p, dRecon, n, s);
                restoreEscapes(f, data, off, off + used, len - used, s);
            }
            case TRANSFORM_XOR_CODED, TRANSFORM_QUANT_CODED ->
                throw new UnsupportedFormatException(
                        transform + " (DENSE packing) is decoded on the host only: use TensorDecoder",
                        f.streamId(),
                        f.seq(),
                        -1);
            default ->
                throw new UnsupportedFormatException(
                        "tensor frame with unknown transform " + transform.getNumber(), f.streamId(), f.seq(), -1);
        }
    }

    private void checkShape(FrameView f) throws CorruptFrameException {
        int rank = f.rank();
        if (rank == 0) {
            throw DecodeState.corrupt(f, "tensor frame without a shape");
        }
        if (rank != shape.length) {
            throw DecodeState.corrupt(f, "shape of rank " + rank + ", this stream's has rank " + shape.length);
        }
        for (int i = 0; i < rank; i++) {
            if (f.dim(i) != shape[i]) {
                throw DecodeState.corrupt(f, "dimension " + i + " is " + f.dim(i) + ", this stream's is " + shape[i]);
            }
        }
    }

    /**
     * Patches the escaped values into the device reconstruction: rare, so through the
     * host (codes and reconstruction down, patched, reconstruction up).
     */
    private void restoreEscapes(FrameView f, MemorySegment data, long widths, long at, long left, long s)
            throws CorruptFrameException {
        if (left % 4 != 0) {
            throw DecodeState.corrupt(f, "escaped values take " + left + " bytes, not a multiple of 4");
        }
        long escapes = left / 4;
        if (escapes == 0 && !BlockPacking.widestBlockPresent(data, widths, n)) {
            return; // no block is 24 bits wide, so no code can be ESCAPE
        }
        if (hCodes == null) {
            hCodes = cuda.allocatePinned(bytes, arena);
            hRecon = cuda.allocatePinned(bytes, arena);
        }
        cuda.copyToHost(dZ, hCodes, 0, bytes, s);
        cuda.copyToHost(dRecon, hRecon, 0, bytes, s);
        cuda.synchronize(s);
        for (int i = 0; i < n; i++) {
            if (hCodes.get(INT_LE, 4L * i) == QuantParams.ESCAPE) {
                if (escapes == 0) {
                    throw DecodeState.corrupt(f, "more escape codes than escaped values");
                }
                hRecon.set(INT_LE, 4L * i, data.get(INT_LE, at));
                at += 4;
                escapes--;
            }
        }
        if (escapes != 0) {
            throw DecodeState.corrupt(f, escapes + " escaped value(s) left over");
        }
        cuda.copyToDevice(hRecon, 0, dRecon, bytes, s);
    }

    /** Values per frame (the codec's shape). */
    public int values() {
        return n;
    }

    /** Whether the decoder holds a valid reference for the next DELTA frame. */
    public boolean hasReference() {
        return state.hasReference();
    }

    /** Frees the device buffers (idempotent); the decoder cannot be used afterwards. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        cuda.free(dRecon);
        cuda.free(dZ);
        dRecon = dZ = 0;
    }
}
