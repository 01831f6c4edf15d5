package io.inferwire.entropy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Decodes one unit written by a {@link RangeEncoder}, given models in the state the
 * encoder's were in when it started the unit.
 *
 * <p>Bad input never throws here and never loops: bytes past the end of the unit read
 * as zeros (the encoder drops trailing zero bytes of its flush), and a code value that
 * no symbol covers is clamped to the last symbol. Both are recorded: after decoding a
 * unit the caller checks {@link #overran()} (true means the unit is damaged, cut short
 * or decoded with more symbols than were coded) and {@link #exhausted()} (false means
 * the unit holds bytes that no symbol used), and throws its own typed exception, as
 * the token decoder does with {@link io.inferwire.CorruptFrameException}. A damaged
 * unit can still decode to wrong symbols without tripping either check; formats that
 * need certainty add a checksum.
 *
 * <p>Reads the caller's segment, which must stay unchanged while the unit is decoded;
 * allocates nothing. Not thread-safe.
 */
public final class RangeDecoder {

    private static final long TOP = 1L << 24;
    private static final long MASK32 = 0xFFFF_FFFFL;
    /** Zero bytes a correct decode may read past the unit: the flush the encoder left out. */
    private static final int SLACK = 4;

    private MemorySegment in = MemorySegment.NULL;
    private long pos;
    private long end;
    private long range;
    private long value;
    private boolean bad;

    /** A decoder with no unit; call {@link #reset} first. */
    public RangeDecoder() {}

    /**
     * Starts decoding the unit {@code in[offset, offset + length)}.
     *
     * @throws IndexOutOfBoundsException if the range lies outside {@code in}
     */
    public void reset(MemorySegment in, long offset, long length) {
        if (offset < 0 || length < 0 || offset > in.byteSize() - length) {
            throw new IndexOutOfBoundsException("unit range outside the segment");
        }
        this.in = in;
        this.pos = offset;
        this.end = offset + length;
        this.range = MASK32;
        this.bad = false;
        long v = 0;
        for (int i = 0; i < 4; i++) {
            v = (v << 8) | next();
        }
        this.value = v;
        if (v >= range) {
            bad = true;
            value = range - 1;
        }
    }

    private int next() {
        long p = pos++;
        return p < end ? in.get(ValueLayout.JAVA_BYTE, p) & 0xFF : 0;
    }

    /** Decodes a symbol with the probabilities of {@code m}, then updates {@code m}. */
    public int decode(AdaptiveModel m) {
        long r = range / m.total();
        long c = value / r;
        if (c >= m.total()) {
            bad = true;
            c = m.total() - 1;
        }
        int s = m.find((int) c);
        value -= r * m.cumulative(s);
        range = r * m.freq(s);
        m.update(s);
        normalize();
        return s;
    }

    /**
     * Decodes {@code nbits} uniform bits (what {@link RangeEncoder#encodeBits} coded).
     *
     * @param nbits 0 to 16
     */
    public int decodeBits(int nbits) {
        if (nbits < 0 || nbits > 16) {
            throw new IllegalArgumentException("nbits must be 0 to 16, was " + nbits);
        }
        if (nbits == 0) {
            return 0;
        }
        long r = range >>> nbits;
        long c = value / r;
        if (c >= (1L << nbits)) {
            bad = true;
            c = (1L << nbits) - 1;
        }
        value -= r * c;
        range = r;
        normalize();
        return (int) c;
    }

    /**
     * Decodes one binary decision coded by {@link RangeEncoder#encodeBit} with the same
     * probability {@code p1} (of a 1, in units of 1/4096, 1 to 4095).
     */
    public int decodeBit(int p1) {
        long r = (range >>> 12) * p1;
        int bit;
        if (value < r) {
            bit = 1;
            range = r;
        } else {
            value -= r;
            range -= r;
            bit = 0;
        }
        normalize();
        return bit;
    }

    private void normalize() {
        while (range < TOP) {
            value = ((value << 8) | next()) & MASK32;
            range <<= 8;
        }
        if (value >= range) {
            // Only damaged input gets here; keep the state bounded and remember it.
            bad = true;
            value = range - 1;
        }
    }

    /**
     * Whether the input was inconsistent: a code value outside every symbol's range,
     * or more zero bytes read past the end of the unit than a correct decode can need.
     */
    public boolean overran() {
        return bad || pos > end + SLACK;
    }

    /** Whether every byte of the unit has been read; a unit decoded to its last symbol must be. */
    public boolean exhausted() {
        return pos >= end;
    }
}
