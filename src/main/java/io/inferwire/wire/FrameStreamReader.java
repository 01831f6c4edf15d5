package io.inferwire.wire;

import io.inferwire.ChecksumMismatchException;
import io.inferwire.CorruptFrameException;
import io.inferwire.LimitExceededException;
import io.inferwire.SequenceException;
import io.inferwire.StreamException;
import io.inferwire.TruncatedStreamException;
import io.inferwire.UnsupportedFormatException;
import io.inferwire.lz4.Lz4Block;
import io.inferwire.lz4.XxHash32;
import io.inferwire.proto.v1.Encoding;
import io.inferwire.proto.v1.FrameKind;
import io.inferwire.wire.internal.CompactStep;
import io.inferwire.wire.internal.StreamTable;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reads a byte stream of varint-length-delimited frames fed in arbitrary chunks (one
 * byte at a time or megabytes at once) and hands out complete, verified frames.
 *
 * <pre>{@code
 * reader.feed(chunk);
 * while (reader.next()) {
 *     FrameView f = reader.frame();           // header fields
 *     MemorySegment data = reader.data();     // decoded payload
 * }
 * // chunk may be reused now
 * reader.finish();                           // at end of input
 * }</pre>
 *
 * <p>Frames that lie whole in the chunk are parsed in place and RAW payloads are
 * handed out as views of it; only a frame split across chunks is gathered into the
 * reader's buffer (off-heap), and LZ4 payloads are decompressed into another. Both
 * buffers come from the caller's arena and grow (up to the limits) as needed.
 *
 * <p>Every frame is checked before it is handed out: the Frame encoding, known kind
 * and encoding, declared sizes against {@link ReaderOptions#maxFrameBytes()} (before
 * any allocation), stored size against the payload, LZ4 decoding to exactly the
 * declared size, the checksum, and the stream's sequence (gaps, duplicates,
 * reordering, frames after END). A bad frame throws a {@link StreamException} and is
 * dropped; the frames before it were already handed out and stay valid, and the next
 * call to {@link #next()} goes on with the frame after it. A frame that fails its checks
 * does not move its stream's sequence on, so the next good frame also reports the
 * gap it left. A frame that arrives after a gap is good in itself: the
 * {@link SequenceException} ({@code GAP}) reports the missing frames, and the next
 * call to {@code next()} hands the frame out.
 *
 * <p>Compact token step frames (a Frame with only {@code step_bits} or {@code step},
 * see {@code frame.proto}) take their stream from the frame before them and the next
 * seq of that stream; {@link #frame()} shows that implied identity and kind TOKENS,
 * and {@link #data()} is the step's range-coder unit. They carry no checksum (they are
 * exempt from {@link ReaderOptions#requireChecksum()}): the next full frame of their
 * stream must carry the {@code chain} hash over them, checked here
 * ({@link ChecksumMismatchException}), and its explicit seq exposes compact frames that
 * were lost or repeated ({@link SequenceException}). Compact frames are accepted only
 * in a stream whose HEADER frame announced them (it carries {@code chain}) and only
 * right after a HEADER, TOKENS or compact frame of that open stream; anywhere else
 * (first in the input, after END, after a rejected frame, in a tensor stream) they are
 * a {@link CorruptFrameException}. Only when the framing
 * itself is lost (a malformed or oversized length prefix) is the reader stuck: every
 * later call throws the same exception.
 *
 * <p>Views returned by {@link #frame()} and {@link #data()} are valid until the next
 * call to {@link #next()} or {@link #feed}. After an exception {@code data()} is empty.
 * Length prefixes are read as canonical varints of at most 5 bytes (what every protobuf
 * writer emits for a message length). Not thread-safe.
 */
public final class FrameStreamReader {

    private static final int MAX_PREFIX = 5;

    private final Arena arena;
    private final ReaderOptions options;
    private final long maxMessage;
    private final FrameView view = new FrameView();
    private final StreamTable streams;
    private final Lz4Block lz4 = new Lz4Block();

    private MemorySegment pending = MemorySegment.NULL;
    private long pendingLength;
    private MemorySegment decoded = MemorySegment.NULL;
    private MemorySegment unpacked = MemorySegment.NULL;
    private boolean implied;
    private long impliedId;

    private MemorySegment chunk = MemorySegment.NULL;
    private long chunkPos;

    private long position;
    private long frames;
    private StreamException stuck;
    private boolean deferred;

    private MemorySegment dataSegment = MemorySegment.NULL;
    private long dataOffset;
    private long dataLength;

    /** A reader whose buffers are allocated from {@code arena}. */
    public FrameStreamReader(Arena arena, ReaderOptions options) {
        this.arena = arena;
        this.options = options;
        this.maxMessage = options.maxFrameBytes() + (long) FrameEncoder.MAX_HEADER_BYTES;
        this.streams = new StreamTable(options.maxStreams());
    }

    /** A reader with {@link ReaderOptions#defaults()}. */
    public FrameStreamReader(Arena arena) {
        this(arena, ReaderOptions.defaults());
    }

    /**
     * Gives the reader the next bytes of the stream. The chunk is read in place: it must
     * stay unchanged until {@link #next()} has returned false; only the bytes of a frame
     * that the chunk does not complete are copied (into the reader's buffer).
     *
     * @throws IllegalStateException if {@link #next()} has not returned false since the
     *     last feed (frames of the last chunk, or a frame held back after a gap, would
     *     otherwise be skipped)
     */
    public void feed(MemorySegment bytes) {
        if (stuck == null && (deferred || chunkPos < chunk.byteSize())) {
            throw new IllegalStateException("call next() until it returns false before feeding more bytes");
        }
        chunk = bytes;
        chunkPos = 0;
    }

    /**
     * Moves to the next complete frame.
     *
     * @return true when a frame is ready; false when more input is needed
     * @throws StreamException if the next frame is bad (it is dropped; call again to go on)
     */
    public boolean next() throws StreamException {
        if (stuck != null) {
            throw stuck;
        }
        if (deferred) {
            deferred = false;
            return true;
        }
        try {
            return advance();
        } catch (StreamException e) {
            if (!deferred) {
                // A rejected frame hands out nothing: data() is empty, frame() still
                // shows the rejected header when it parsed, for diagnostics.
                clearData();
            }
            throw e;
        }
    }

    private void clearData() {
        dataSegment = MemorySegment.NULL;
        dataOffset = 0;
        dataLength = 0;
    }

    private boolean advance() throws StreamException {
        clearData();
        long chunkLeft = chunk.byteSize() - chunkPos;
        if (pendingLength == 0) {
            if (chunkLeft == 0) {
                return false;
            }
            long total = frameLength(chunk, chunkPos, chunkLeft);
            if (total > 0 && total <= chunkLeft) {
                long at = chunkPos;
                chunkPos += total;
                process(chunk, at, total);
                return true;
            }
            gather(chunkLeft);
            return false;
        }
        // A frame split across chunks: take exactly the bytes it still needs.
        long total;
        while ((total = frameLength(pending, 0, pendingLength)) < 0) {
            if (chunk.byteSize() - chunkPos == 0) {
                return false;
            }
            gather(1);
        }
        long take = Math.min(total - pendingLength, chunk.byteSize() - chunkPos);
        gather(take);
        if (pendingLength < total) {
            return false;
        }
        pendingLength = 0;
        process(pending, 0, total);
        return true;
    }

    /**
     * Declares the end of the input.
     *
     * @throws TruncatedStreamException if the input stopped inside a frame, or a stream
     *     has no END frame (even when the input stopped exactly on a frame boundary)
     */
    public void finish() throws StreamException {
        if (stuck != null) {
            throw stuck;
        }
        long left = pendingLength + (chunk.byteSize() - chunkPos);
        if (left > 0) {
            // advance() gathered every byte of the incomplete frame; name its stream and seq
            // when its leading fields arrived.
            long[] who = {-1, -1};
            int prefix = 0;
            while (prefix < pendingLength && prefix < MAX_PREFIX && pending.get(ValueLayout.JAVA_BYTE, prefix++) < 0) {}
            if (pendingLength > 0 && pending.get(ValueLayout.JAVA_BYTE, prefix - 1) >= 0) {
                who = identity(pending, prefix, pendingLength - prefix);
            }
            throw new TruncatedStreamException(
                    "input ends inside a frame (" + left + " byte(s) of an incomplete frame)",
                    who[0],
                    who[1],
                    position);
        }
        if (streams.size() == 0) {
            throw new TruncatedStreamException("input holds no frame", -1, -1, position);
        }
        int open = streams.firstOpen();
        if (open >= 0) {
            throw new TruncatedStreamException(
                    "stream ended without its END frame after seq " + (streams.next(open) - 1)
                            + (streams.openCount() > 1 ? " (" + streams.openCount() + " streams open)" : ""),
                    streams.id(open),
                    -1,
                    position);
        }
    }

    /**
     * Whether the framing is lost (a malformed or oversized length prefix): the reader
     * cannot find the next frame and every call throws the same exception.
     */
    public boolean framingLost() {
        return stuck != null;
    }

    /** The header of the current frame. */
    public FrameView frame() {
        return view;
    }

    /** The decoded payload of the current frame (allocates the slice object; see {@link #dataSegment()}). */
    public MemorySegment data() {
        return dataSegment.asSlice(dataOffset, dataLength);
    }

    /** The segment holding the decoded payload: the input chunk, or the reader's buffer. */
    public MemorySegment dataSegment() {
        return dataSegment;
    }

    /** Offset of the decoded payload in {@link #dataSegment()}. */
    public long dataOffset() {
        return dataOffset;
    }

    /** Length of the decoded payload. */
    public long dataLength() {
        return dataLength;
    }

    /** Bytes of input consumed so far (complete frames, good or bad). */
    public long position() {
        return position;
    }

    /** Frames handed out so far. */
    public long frames() {
        return frames;
    }

    /**
     * Length (prefix included) of the frame starting at {@code at}, or -1 when its
     * length prefix is not complete yet.
     */
    private long frameLength(MemorySegment s, long at, long avail) throws StreamException {
        long value = 0;
        for (int i = 0; i < MAX_PREFIX; i++) {
            if (i == avail) {
                return -1;
            }
            byte b = s.get(ValueLayout.JAVA_BYTE, at + i);
            value |= (long) (b & 0x7F) << (7 * i);
            if (b >= 0) {
                if (value > maxMessage) {
                    throw stick(new LimitExceededException(
                            "frame declares " + value + " bytes, over the limit of " + maxMessage, -1, -1, position));
                }
                return value + i + 1;
            }
        }
        throw stick(new CorruptFrameException("malformed frame length prefix", -1, -1, position));
    }

    /**
     * The stream id and seq of a message that does not parse (damaged or incomplete), read
     * from its leading fields as writers put them (stream_id 1, seq 2, then the rest; a
     * field left out is 0); -1 for what did not arrive intact. Only for error reports.
     */
    private static long[] identity(MemorySegment s, long at, long length) {
        long[] who = {-1, -1};
        long end = at + length;
        long pos = at;
        while (pos < end) {
            long tag = 0;
            int shift = 0;
            byte b;
            do {
                if (pos == end || shift > 28) {
                    return who;
                }
                b = s.get(ValueLayout.JAVA_BYTE, pos++);
                tag |= (long) (b & 0x7F) << shift;
                shift += 7;
            } while (b < 0);
            long field = tag >>> 3;
            if ((tag & 7) != 0 || field < 1 || field > 2 || who[(int) field - 1] >= 0) {
                if (field > 2) { // both came before it, or were left out as 0
                    who[0] = Math.max(who[0], 0);
                    who[1] = Math.max(who[1], 0);
                }
                return who;
            }
            long value = 0;
            shift = 0;
            do {
                if (pos == end || shift > 63) {
                    return who;
                }
                b = s.get(ValueLayout.JAVA_BYTE, pos++);
                value |= (long) (b & 0x7F) << shift;
                shift += 7;
            } while (b < 0);
            who[(int) field - 1] = value;
        }
        return who;
    }

    private StreamException stick(StreamException e) {
        stuck = e;
        return e;
    }

    private void gather(long n) {
        if (pendingLength + n > pending.byteSize()) {
            long cap = Math.max(Math.max(256, pending.byteSize() * 2), pendingLength + n);
            MemorySegment bigger = arena.allocate(Math.min(cap, maxMessage + MAX_PREFIX), 64);
            MemorySegment.copy(pending, 0, bigger, 0, pendingLength);
            pending = bigger;
        }
        MemorySegment.copy(chunk, chunkPos, pending, pendingLength, n);
        pendingLength += n;
        chunkPos += n;
    }

    private void process(MemorySegment s, long at, long total) throws StreamException {
        boolean follows = implied;
        implied = false;
        long frameStart = position;
        position += total;
        int prefix = 1;
        while (s.get(ValueLayout.JAVA_BYTE, at + prefix - 1) < 0) {
            prefix++;
        }
        try {
            view.wrap(s, at + prefix, total - prefix);
        } catch (CorruptFrameException e) {
            long[] who = identity(s, at + prefix, total - prefix);
            throw new CorruptFrameException(e.getMessage(), who[0], who[1], frameStart, e);
        } catch (LimitExceededException e) {
            long[] who = identity(s, at + prefix, total - prefix);
            throw new LimitExceededException(e.getMessage(), who[0], who[1], frameStart, e);
        }
        if (view.isCompactStep()) {
            processCompact(s, at + prefix, total - prefix, follows, frameStart);
            return;
        }
        long id = view.streamId();
        long seq = view.seq();
        FrameKind kind = view.kind();
        if (kind == null || kind == FrameKind.FRAME_KIND_UNSPECIFIED) {
            throw new UnsupportedFormatException("unknown frame kind " + view.kindNumber(), id, seq, frameStart);
        }
        Encoding encoding = view.encoding();
        if (encoding == null) {
            throw new UnsupportedFormatException(
                    "unknown payload encoding " + view.encodingNumber(), id, seq, frameStart);
        }
        if (!view.hasChecksum() && options.requireChecksum()) {
            throw new CorruptFrameException("frame has no checksum (required by this reader)", id, seq, frameStart);
        }
        double bound = view.errorBound();
        if (!(bound >= 0) || Double.isInfinite(bound)) {
            throw new CorruptFrameException(
                    "error bound " + bound + " is not a finite non-negative number", id, seq, frameStart);
        }
        long raw = view.rawSize();
        long stored = view.payloadLength();
        if (raw < 0 || raw > options.maxFrameBytes()) {
            throw new LimitExceededException(
                    "frame declares a payload of " + Long.toUnsignedString(raw) + " bytes, over the limit of "
                            + options.maxFrameBytes(),
                    id,
                    seq,
                    frameStart);
        }
        if (view.compressedSize() != 0 && view.compressedSize() != stored) {
            throw new CorruptFrameException(
                    "frame declares " + Long.toUnsignedString(view.compressedSize()) + " stored bytes but carries "
                            + stored,
                    id,
                    seq,
                    frameStart);
        }
        switch (encoding) {
            case ENCODING_RAW -> {
                if (raw != 0 && raw != stored) {
                    throw new CorruptFrameException(
                            "raw frame declares " + raw + " bytes but carries " + stored, id, seq, frameStart);
                }
                dataSegment = s;
                dataOffset = view.payloadOffset();
                dataLength = stored;
            }
            case ENCODING_LZ4_BLOCK -> {
                // LZ4 expands at most ~255:1, so a larger declared size is a lie: refuse it
                // before allocating anything for it.
                if (raw == 0 || raw > stored * 255 + 16) {
                    throw new CorruptFrameException(
                            "LZ4 frame declares " + raw + " decoded bytes for " + stored
                                    + " stored bytes (LZ4 is not used for empty payloads and expands at most 255:1)",
                            id,
                            seq,
                            frameStart);
                }
                if (raw > 0 && decoded.byteSize() < raw) {
                    decoded = arena.allocate(
                            Math.max(raw, Math.min(decoded.byteSize() * 2, options.maxFrameBytes())), 64);
                }
                int n;
                try {
                    n = lz4.decompress(s, view.payloadOffset(), (int) stored, decoded, 0, (int) raw);
                } catch (CorruptFrameException e) {
                    throw new CorruptFrameException(e.getMessage(), id, seq, frameStart, e);
                }
                if (n != raw) {
                    throw new CorruptFrameException(
                            "LZ4 payload decodes to " + n + " bytes, frame declares " + raw, id, seq, frameStart);
                }
                dataSegment = decoded;
                dataOffset = 0;
                dataLength = raw;
            }
            default ->
                throw new UnsupportedFormatException("unknown payload encoding " + encoding, id, seq, frameStart);
        }
        if (view.hasChecksum()) {
            int actual = XxHash32.hash(dataSegment, dataOffset, dataLength, FrameChecksum.seed(view));
            if (actual != view.checksum()) {
                throw new ChecksumMismatchException("frame payload", view.checksum(), actual, id, seq, frameStart);
            }
        }
        if (kind == FrameKind.FRAME_KIND_HEADER && view.hasChain() && view.chain() != 0) {
            throw new CorruptFrameException("HEADER frame with a non-zero chain hash", id, seq, frameStart);
        }
        // The sequence is checked last: only a frame whose checksum (which covers its
        // stream id and seq) holds may move its stream's sequence on.
        SequenceException gap = checkSequence(id, seq, kind, frameStart);
        frames++;
        implied = kind == FrameKind.FRAME_KIND_HEADER || kind == FrameKind.FRAME_KIND_TOKENS;
        impliedId = id;
        if (gap != null) {
            deferred = true;
            throw gap;
        }
    }

    private void processCompact(MemorySegment s, long at, long length, boolean follows, long frameStart)
            throws StreamException {
        int slot = follows ? streams.find(impliedId) : -1;
        if (slot < 0 || streams.state(slot) != StreamTable.OPEN || !streams.compactOk(slot)) {
            throw new CorruptFrameException(
                    "compact step frame not after a HEADER or TOKENS frame of an open stream that announced them",
                    follows ? impliedId : -1,
                    -1,
                    frameStart);
        }
        long seq = streams.next(slot);
        view.imply(impliedId, seq, FrameKind.FRAME_KIND_TOKENS_VALUE);
        if (view.hasStepBits()) {
            if (unpacked.byteSize() == 0) {
                unpacked = arena.allocate(8, 8);
            }
            dataSegment = unpacked;
            dataOffset = 0;
            dataLength = CompactStep.unpack(view.stepBits(), unpacked, 0);
        } else if (view.hasStep()) {
            if (view.stepLength() > options.maxFrameBytes()) {
                throw new LimitExceededException(
                        "compact step of " + view.stepLength() + " bytes, over the limit of " + options.maxFrameBytes(),
                        impliedId,
                        seq,
                        frameStart);
            }
            dataSegment = s;
            dataOffset = view.stepOffset();
            dataLength = view.stepLength();
        }
        streams.compact(slot, XxHash32.hash(s, at, length, streams.chain(slot)));
        streams.next(slot, seq + 1);
        frames++;
        implied = true;
    }

    /** Checks the chain hash a full frame carries over the compact step frames before it. */
    private void checkChain(int slot, long id, long seq, long frameStart) throws StreamException {
        if (slot < 0) {
            return;
        }
        if (streams.compacts(slot) > 0 || view.hasChain()) {
            int expected = streams.chain(slot);
            if (!view.hasChain()) {
                throw new CorruptFrameException(
                        "frame after " + streams.compacts(slot) + " compact step frame(s) carries no chain hash",
                        id,
                        seq,
                        frameStart);
            }
            if (view.chain() != expected) {
                throw new ChecksumMismatchException(
                        "chain over " + streams.compacts(slot) + " compact step frame(s)",
                        view.chain(),
                        expected,
                        id,
                        seq,
                        frameStart);
            }
        }
        streams.clearChain(slot);
    }

    /** Checks and advances the stream's sequence; returns a GAP to report after the frame is verified. */
    private SequenceException checkSequence(long id, long seq, FrameKind kind, long frameStart) throws StreamException {
        SequenceException gap = null;
        int slot = streams.find(id);
        if (slot < 0) {
            slot = streams.add(slot, id);
            if (slot < 0) {
                throw new LimitExceededException("more than " + options.maxStreams() + " streams", id, seq, frameStart);
            }
            streams.next(slot, seq + 1);
            if (options.requireStreamStart() && seq != 0) {
                gap = new SequenceException(SequenceException.Problem.GAP, 0, id, seq, frameStart);
            }
        } else {
            long expected = streams.next(slot);
            if (streams.state(slot) == StreamTable.ENDED) {
                throw new SequenceException(SequenceException.Problem.AFTER_END, expected, id, seq, frameStart);
            }
            if (seq != expected) {
                if (Long.compareUnsigned(seq, expected) < 0) {
                    throw new SequenceException(
                            seq == expected - 1
                                    ? SequenceException.Problem.DUPLICATE
                                    : SequenceException.Problem.REORDERED,
                            expected,
                            id,
                            seq,
                            frameStart);
                }
                gap = new SequenceException(SequenceException.Problem.GAP, expected, id, seq, frameStart);
                streams.clearChain(slot);
            } else {
                checkChain(slot, id, seq, frameStart);
            }
            streams.next(slot, seq + 1);
        }
        if (kind == FrameKind.FRAME_KIND_HEADER) {
            streams.compactOk(slot, view.hasChain());
        }
        if (kind == FrameKind.FRAME_KIND_END) {
            streams.end(slot);
        }
        return gap;
    }
}
