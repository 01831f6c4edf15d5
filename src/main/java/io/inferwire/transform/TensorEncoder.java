package io.inferwire.transform;

import static io.inferwire.memory.Layouts.INT_LE;

import io.inferwire.lz4.Lz4Block;
import io.inferwire.memory.internal.Checks;
import io.inferwire.proto.v1.FrameKind;
import io.inferwire.proto.v1.StreamHeader;
import io.inferwire.proto.v1.Transform;
import io.inferwire.transform.internal.BlockPacking;
import io.inferwire.transform.internal.DenseCoder;
import io.inferwire.transform.internal.TensorFraming;
import io.inferwire.wire.FrameEncoder;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Encodes one float32 tensor stream, frame by frame, into delimited
 * {@code inferwire.v1.Frame} messages (seq 0, 1, 2, ... of the codec's stream id).
 *
 * <p>Each {@link #encode} reads one frame of values from a caller-owned segment and
 * leaves the encoded frame in {@link #buffer()} at {@link #frameOffset()}
 * ({@link #frameBuffer()} for channel writes) until the next call. A frame is a KEY
 * (self-contained) or a DELTA (against the previous reconstruction, which the encoder
 * keeps exactly as the decoder will have it, so error never accumulates). KEY frames
 * come first, after {@link #requestKey()}, every {@link TensorCodec#keyInterval()}
 * frames, and whenever a KEY frame would be the smaller one.
 *
 * <p>LZ4 is tried on every frame until it stops paying (no saving on byte planes, under
 * 1/32 on packed residuals), then on one frame in 16 until it pays again (packed
 * residuals of independent rows seldom shrink, and the time is better spent elsewhere
 * on both sides).
 *
 * <p>All buffers come from the arena given at construction; in steady state
 * {@link #encode} allocates nothing on the heap. One encoder serves one stream and is
 * not thread-safe.
 */
public final class TensorEncoder {

    private final TensorCodec codec;
    private final Backend backend;
    private final int n;
    private final boolean lossless;
    private final boolean dense;
    private final QuantParams qp;
    private final double bound;
    private final FrameEncoder frames;
    private final TensorFraming framing;
    // One compressor per source buffer: each keeps a view of the last segment it read.
    private final Lz4Block probeA;
    private final Lz4Block probeB;

    private MemorySegment recon;
    private MemorySegment candA;
    private MemorySegment candB;
    private final MemorySegment zA;
    private final MemorySegment zB;
    private final MemorySegment payA;
    private final MemorySegment payB;
    private final MemorySegment scratch;
    private final DenseCoder coder;

    /** After LZ4 fails to shrink a frame, it is tried again on every this many frames. */
    static final int LZ4_RETRY = TensorFraming.LZ4_RETRY;

    TensorEncoder(TensorCodec codec, Arena arena) {
        this.codec = codec;
        this.backend = codec.backend();
        this.n = codec.values();
        this.lossless = codec.mode() == TensorCodec.Mode.LOSSLESS;
        this.dense = codec.packing() == TensorCodec.Packing.DENSE;
        this.bound = codec.errorBound();
        this.qp = lossless ? null : QuantParams.of(bound);
        long bytes = 4L * n;
        // Room for the largest frame, and for a stream header of up to 4 KiB.
        long largest = Math.max(Math.max(bytes, 4096), dense ? DenseCoder.maxBytes(n) : 0);
        if (largest > 1 << 30) {
            throw new IllegalArgumentException(
                    "frames of " + n + " values are too large for one frame (" + codec.packing() + ")");
        }
        int maxPayload = (int) largest;
        this.frames = new FrameEncoder(
                arena,
                maxPayload,
                dense ? FrameEncoder.Compression.NONE : FrameEncoder.Compression.LZ4,
                codec.checksums());
        this.framing = new TensorFraming(codec, frames);
        this.probeA = new Lz4Block();
        this.probeB = new Lz4Block();
        this.recon = arena.allocate(bytes, 64);
        this.candA = arena.allocate(bytes, 64);
        this.candB = arena.allocate(bytes, 64);
        this.zA = arena.allocate(bytes, 64);
        this.zB = arena.allocate(bytes, 64);
        long pay = Math.max(bytes, (long) BlockPacking.maxPackedBytes(n) + bytes);
        pay = Math.max(pay, dense ? DenseCoder.maxBytes(n) : 0);
        this.payA = arena.allocate(pay, 64);
        this.payB = arena.allocate(pay, 64);
        this.scratch = arena.allocate(Lz4Block.maxCompressedLength((int) bytes), 64);
        this.coder = dense ? new DenseCoder(n, arena) : null;
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

    /** Encodes the END frame that closes the stream; afterwards {@link #encode} and {@code end} throw {@link IllegalStateException}. */
    public int end() {
        return framing.end();
    }

    /** Makes the next frame a KEY frame (for a receiver that resynchronizes or resumes). */
    public void requestKey() {
        framing.requestKey();
    }

    /**
     * Encodes the {@link TensorCodec#values()} float32 values (little-endian) at
     * {@code [offset, offset + 4 * values)} of {@code values} as the stream's next frame.
     * The segment is only read, during the call.
     *
     * @return the length of the delimited frame in {@link #buffer()}
     * @throws IndexOutOfBoundsException if the range is outside the segment
     */
    public int encode(MemorySegment values, long offset) {
        framing.checkOpen();
        Checks.checkRange(values, offset, 4L * n);
        boolean key = framing.startFrame();
        int len;
        if (dense) {
            len = encodeDense(values, offset, key);
        } else if (lossless) {
            len = encodeLossless(values, offset, key);
        } else {
            len = encodeQuantized(values, offset, key);
        }
        framing.finishFrame(key);
        return len;
    }

    private boolean decideNow() {
        return framing.decideNow();
    }

    private int encodeLossless(MemorySegment values, long offset, boolean key) {
        int bytes = 4 * n;
        boolean delta;
        if (!key && decideNow()) {
            backend.xorSplit(values, offset, recon, 0, true, payA, 0, n);
            backend.xorSplit(values, offset, recon, 0, false, payB, 0, n);
            int sa = Math.min(bytes, probeA.compress(payA, 0, bytes, scratch, 0));
            int sb = Math.min(bytes, probeB.compress(payB, 0, bytes, scratch, 0));
            framing.deltaPays(sa < sb);
            delta = framing.deltaPays();
            if (!delta) {
                MemorySegment.copy(payB, 0, payA, 0, bytes); // the frame encoder always reads payA
            }
        } else {
            delta = !key && framing.deltaPays();
            backend.xorSplit(values, offset, recon, 0, delta, payA, 0, n);
        }
        MemorySegment.copy(values, offset, recon, 0, bytes);
        return emit(delta, delta, Transform.TRANSFORM_XOR_PLANES_VALUE, 0, payA, bytes);
    }

    private int encodeQuantized(MemorySegment values, long offset, boolean key) {
        int size;
        boolean delta;
        if (key) {
            size = quantizeInto(values, offset, true, zA, candA, payA);
            delta = false;
        } else if (decideNow()) {
            int sa = quantizeInto(values, offset, false, zA, candA, payA);
            int sb = quantizeInto(values, offset, true, zB, candB, payB);
            framing.deltaPays(sa < sb);
            delta = framing.deltaPays();
            if (!delta) {
                MemorySegment t = candA;
                candA = candB;
                candB = t;
                MemorySegment.copy(payB, 0, payA, 0, sb); // the frame encoder always reads payA
                size = sb;
            } else {
                size = sa;
            }
        } else {
            delta = framing.deltaPays();
            size = quantizeInto(values, offset, !delta, zA, candA, payA);
        }
        if (size > 4 * n) {
            return losslessKey(values, offset); // escapes made it larger than the values
        }
        adoptCandidate();
        return emit(delta, delta, Transform.TRANSFORM_QUANT_PACKED_VALUE, bound, payA, size);
    }

    /** Quantizes against the reconstruction (or zero), packs, appends escapes; returns the payload size. */
    private int quantizeInto(
            MemorySegment values, long offset, boolean intra, MemorySegment z, MemorySegment next, MemorySegment pay) {
        int escapes = backend.quantize(values, offset, recon, 0, intra, qp, z, 0, next, 0, n);
        int size = backend.pack(z, 0, n, pay, 0);
        if (escapes > 0) {
            for (int i = 0; i < n && escapes > 0; i++) {
                if (z.get(INT_LE, 4L * i) == QuantParams.ESCAPE) {
                    pay.set(INT_LE, size, values.get(INT_LE, offset + 4L * i));
                    size += 4;
                    escapes--;
                }
            }
        }
        return size;
    }

    private int encodeDense(MemorySegment values, long offset, boolean key) {
        if (key) {
            coder.reset();
        }
        int size;
        if (lossless) {
            boolean xored = !key && framing.deltaPays();
            if (!key && decideNow()) {
                backend.xorSplit(values, offset, recon, 0, true, zA, 0, n);
                backend.xorSplit(values, offset, recon, 0, false, zB, 0, n);
                framing.deltaPays(coder.estimatePlanes(zA) < coder.estimatePlanes(zB));
                xored = framing.deltaPays();
                if (!xored) {
                    MemorySegment.copy(zB, 0, zA, 0, 4L * n);
                }
            } else {
                backend.xorSplit(values, offset, recon, 0, xored, zA, 0, n);
            }
            MemorySegment.copy(values, offset, recon, 0, 4L * n);
            size = coder.encodePlanes(xored, zA, payA);
            if (size > 4 * n) {
                return denseFallback(values, offset);
            }
            return emit(!key, xored, Transform.TRANSFORM_XOR_CODED_VALUE, 0, payA, size);
        }
        // Predict from the previous reconstruction (a delta) or from the running mean
        // (zero after a KEY): whichever codes smaller, tried every decision interval.
        boolean fromPrevious;
        if (!key && decideNow()) {
            backend.quantize(values, offset, recon, 0, false, qp, zA, 0, candA, 0, n);
            backend.quantize(values, offset, coder.mean(), 0, false, qp, zB, 0, candB, 0, n);
            framing.deltaPays(coder.estimateResiduals(zA) < coder.estimateResiduals(zB));
            if (!framing.deltaPays()) {
                MemorySegment t = candA;
                candA = candB;
                candB = t;
                MemorySegment.copy(zB, 0, zA, 0, 4L * n);
            }
            fromPrevious = framing.deltaPays();
        } else {
            fromPrevious = !key && framing.deltaPays();
            backend.quantize(values, offset, fromPrevious ? recon : coder.mean(), 0, false, qp, zA, 0, candA, 0, n);
        }
        size = coder.encodeResiduals(fromPrevious, zA, values, offset, payA);
        if (size > 4 * n) {
            return denseFallback(values, offset);
        }
        adoptCandidate();
        coder.updateMean(recon);
        return emit(!key, fromPrevious, Transform.TRANSFORM_QUANT_CODED_VALUE, bound, payA, size);
    }

    /** The candidate reconstruction the frame was coded with becomes the reference. */
    private void adoptCandidate() {
        MemorySegment t = recon;
        recon = candA;
        candA = t;
    }

    /** A coded frame larger than the values: send them as a lossless KEY and start the coder afresh. */
    private int denseFallback(MemorySegment values, long offset) {
        coder.reset();
        return losslessKey(values, offset);
    }

    /** The values exactly, as a self-contained lossless KEY (carrying the stream's bound). */
    private int losslessKey(MemorySegment values, long offset) {
        backend.xorSplit(values, offset, recon, 0, false, payA, 0, n);
        MemorySegment.copy(values, offset, recon, 0, 4L * n);
        return emit(false, false, Transform.TRANSFORM_XOR_PLANES_VALUE, bound, payA, 4 * n);
    }

    /**
     * Encodes the frame; {@code fromPrevious}: whether its values are predicted from the
     * previous reconstruction (what {@link #lastPredicted()} reports).
     */
    private int emit(
            boolean delta, boolean fromPrevious, int transform, double errorBound, MemorySegment payload, int size) {
        return framing.emit(delta, fromPrevious, transform, errorBound, payload, size);
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

    /**
     * Whether the last frame was predicted from the previous reconstruction (a DELTA
     * that is not intra-coded); false for KEY frames and for DENSE frames coded from the
     * running mean.
     */
    public boolean lastPredicted() {
        return framing.lastPredicted();
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
     * The reconstruction after the last frame: exactly what a decoder hands out for it
     * ({@code 4 * values} bytes, owned by this encoder; valid until the next call).
     */
    public MemorySegment reconstruction() {
        return recon;
    }
}
