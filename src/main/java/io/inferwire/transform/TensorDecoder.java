package io.inferwire.transform;

import static io.inferwire.memory.Layouts.INT_LE;

import io.inferwire.CorruptFrameException;
import io.inferwire.LimitExceededException;
import io.inferwire.StreamException;
import io.inferwire.UnsupportedFormatException;
import io.inferwire.memory.internal.Checks;
import io.inferwire.proto.v1.FrameKind;
import io.inferwire.proto.v1.Transform;
import io.inferwire.transform.internal.BlockPacking;
import io.inferwire.transform.internal.DecodeState;
import io.inferwire.transform.internal.DenseCoder;
import io.inferwire.wire.FrameStreamReader;
import io.inferwire.wire.FrameView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Decodes one float32 tensor stream: the mirror of {@link TensorEncoder}. Give it each
 * KEY and DELTA frame in order, with its decoded payload (what
 * {@link FrameStreamReader} hands out after checking sizes, LZ4 and the checksum); it
 * writes the frame's values into a caller-owned segment.
 *
 * <p>A DELTA frame needs the reconstruction of the frame before it. After a frame is
 * rejected, or when the stream is entered in the middle, DELTA frames are rejected
 * ({@link CorruptFrameException}) until the next KEY frame: the decoder never hands out
 * values built on a missing or damaged reference.
 *
 * <p>Buffers come from the arena given at construction (re-allocated only when a KEY
 * frame has more values than any before it, growing at least twofold up to
 * {@link TensorCodec#maxValues()}, so the arena stays bounded whatever the shapes). In
 * steady state {@link #decode} allocates nothing on the heap. Not thread-safe.
 */
public final class TensorDecoder {

    private final TensorCodec codec;
    private final Backend backend;
    private final Arena arena;
    private final int[] shape;
    private final DecodeState state = new DecodeState();

    private int n;
    private int capacity;
    private MemorySegment recon;
    private MemorySegment z;
    private MemorySegment mean = MemorySegment.NULL;
    private DenseCoder coder;
    private final long[] refDims = new long[FrameView.MAX_RANK];
    private int refRank;

    TensorDecoder(TensorCodec codec, Arena arena) {
        this.codec = codec;
        this.backend = codec.backend();
        this.arena = arena;
        this.shape = codec.shapeRef();
    }

    /**
     * Decodes the reader's current frame into {@code out} at {@code offset}, when it is
     * a tensor frame (KEY or DELTA).
     *
     * @return the number of values written, or -1 when the frame is not a tensor frame
     *     (HEADER, END, TOKENS)
     * @throws StreamException if the frame is not a valid tensor frame or lacks its reference
     * @throws IndexOutOfBoundsException if {@code out} has no room for the values
     */
    public int decode(FrameStreamReader reader, MemorySegment out, long offset) throws StreamException {
        return decode(reader.frame(), reader.dataSegment(), reader.dataOffset(), reader.dataLength(), out, offset);
    }

    /**
     * Decodes one tensor frame whose decoded payload is
     * {@code [dataOffset, dataOffset + dataLength)} of {@code data}.
     *
     * @return the number of values written, or -1 when the frame is not a tensor frame
     * @throws StreamException if the frame is not a valid tensor frame or lacks its reference
     */
    public int decode(
            FrameView frame, MemorySegment data, long dataOffset, long dataLength, MemorySegment out, long offset)
            throws StreamException {
        FrameKind kind = frame.kind();
        if (kind != FrameKind.FRAME_KIND_KEY && kind != FrameKind.FRAME_KIND_DELTA) {
            return -1;
        }
        Checks.checkRange(data, dataOffset, dataLength);
        try {
            int values =
                    decodeFrame(frame, kind == FrameKind.FRAME_KIND_KEY, data, dataOffset, dataLength, out, offset);
            MemorySegment.copy(recon, 0, out, offset, 4L * values);
            state.accepted(frame);
            return values;
        } catch (StreamException | RuntimeException e) {
            state.rejected();
            throw e;
        }
    }

    private int decodeFrame(
            FrameView f, boolean key, MemorySegment data, long off, long len, MemorySegment out, long outOffset)
            throws StreamException {
        Transform transform = state.open(f, key);
        int values = !key && f.rank() == 0 ? n : values(f);
        if (key) {
            refRank = f.rank();
            for (int i = 0; i < refRank; i++) {
                refDims[i] = f.dim(i);
            }
        } else if (f.rank() > 0) {
            boolean same = f.rank() == refRank;
            for (int i = 0; same && i < refRank; i++) {
                same = f.dim(i) == refDims[i];
            }
            if (!same) {
                throw DecodeState.corrupt(f, "DELTA frame declares a shape other than its reference's");
            }
        }
        // A payload too short for the declared shape is refused before buffers are sized to it.
        long least = switch (transform) {
            case TRANSFORM_XOR_PLANES -> 4L * values;
            case TRANSFORM_QUANT_PACKED -> BlockPacking.blocks(values);
            default -> 0;
        };
        if (len < least) {
            throw DecodeState.corrupt(f, "payload of " + len + " bytes is too short for " + values + " values");
        }
        Checks.checkRange(out, outOffset, 4L * values);
        if (key) {
            if (values != n || recon == null) {
                allocate(values);
            }
        } else {
            // A DELTA's shape is its reference's (checked above), so only its identity is left.
            state.checkFollows(f);
        }
        if (key && coder != null) {
            coder.reset(); // every KEY frame starts the coder state afresh, whatever its transform
        }
        switch (transform) {
            case TRANSFORM_XOR_PLANES -> {
                if (len != 4L * values) {
                    throw DecodeState.corrupt(f, "lossless payload of " + len + " bytes for " + values + " values");
                }
                backend.xorMerge(data, off, recon, 0, !key, recon, 0, values);
            }
            case TRANSFORM_QUANT_PACKED -> {
                QuantParams p = state.params(f);
                int used = backend.unpack(data, off, len, z, 0, values);
                backend.dequantize(z, 0, recon, 0, key, p, recon, 0, values);
                restoreEscapes(f, data, off, off + used, len - used, values);
            }
            case TRANSFORM_XOR_CODED -> {
                boolean xored = coder().decodePlanes(data, off, len, z, f);
                if (key && xored) {
                    throw DecodeState.corrupt(f, "KEY frame XORed with a previous frame");
                }
                backend.xorMerge(z, 0, recon, 0, xored, recon, 0, values);
            }
            case TRANSFORM_QUANT_CODED -> {
                QuantParams p = state.params(f);
                boolean fromPrevious = coder().decodeResiduals(data, off, len, z, f);
                if (key && fromPrevious) {
                    throw DecodeState.corrupt(f, "KEY frame predicted from a previous frame");
                }
                backend.dequantize(z, 0, fromPrevious ? recon : coder.mean(), 0, false, p, recon, 0, values);
                coder.patchEscapes(z, recon);
                coder.updateMean(recon);
            }
            default ->
                throw new UnsupportedFormatException(
                        "tensor frame with unknown transform " + transform.getNumber(), f.streamId(), f.seq(), -1);
        }
        return values;
    }

    private void restoreEscapes(FrameView f, MemorySegment data, long widths, long at, long left, int values)
            throws CorruptFrameException {
        if (left % 4 != 0) {
            throw DecodeState.corrupt(f, "escaped values take " + left + " bytes, not a multiple of 4");
        }
        long escapes = left / 4;
        if (escapes == 0 && !BlockPacking.widestBlockPresent(data, widths, values)) {
            return; // no block is 24 bits wide, so no code can be ESCAPE
        }
        for (int i = 0; i < values; i++) {
            if (z.get(INT_LE, 4L * i) == QuantParams.ESCAPE) {
                if (escapes == 0) {
                    throw DecodeState.corrupt(f, "more escape codes than escaped values");
                }
                recon.set(INT_LE, 4L * i, data.get(INT_LE, at));
                at += 4;
                escapes--;
            }
        }
        if (escapes != 0) {
            throw DecodeState.corrupt(f, escapes + " escaped value(s) left over");
        }
    }

    private int values(FrameView f) throws StreamException {
        int rank = f.rank();
        if (rank == 0) {
            throw DecodeState.corrupt(f, "tensor frame without a shape");
        }
        if (shape.length > 0 && rank != shape.length) {
            throw DecodeState.corrupt(f, "shape of rank " + rank + ", this stream's has rank " + shape.length);
        }
        long count = 1;
        for (int i = 0; i < rank; i++) {
            long d = f.dim(i);
            if (shape.length > 0 && d != shape[i]) {
                throw DecodeState.corrupt(f, "dimension " + i + " is " + d + ", this stream's is " + shape[i]);
            }
            count *= d;
            if (count > codec.maxValues()) {
                throw new LimitExceededException(
                        "tensor frame declares more than " + codec.maxValues() + " values", f.streamId(), f.seq(), -1);
            }
        }
        if (count == 0) {
            throw DecodeState.corrupt(f, "tensor frame with an empty shape");
        }
        return (int) count;
    }

    private void allocate(int values) {
        n = values;
        coder = null;
        if (values > capacity) {
            // Grow geometrically and keep the buffers: a stream that keeps changing its
            // shape must not make the arena grow with every KEY frame.
            capacity = (int) Math.min(codec.maxValues(), Math.max(values, 2L * capacity));
            recon = arena.allocate(4L * capacity, 64);
            z = arena.allocate(4L * capacity, 64);
        }
    }

    private DenseCoder coder() {
        if (coder == null) {
            if (mean.byteSize() < 4L * capacity) {
                mean = arena.allocate(4L * capacity, 64);
            }
            coder = new DenseCoder(n, mean.asSlice(0, 4L * n));
        }
        return coder;
    }

    /** The codec this decoder was made by. */
    public TensorCodec codec() {
        return codec;
    }

    /** Values in the current frame shape (0 before the first KEY frame). */
    public int values() {
        return n;
    }

    /** Whether the decoder holds a valid reference for the next DELTA frame. */
    public boolean hasReference() {
        return state.hasReference();
    }
}
