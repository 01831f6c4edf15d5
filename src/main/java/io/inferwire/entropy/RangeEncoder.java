package io.inferwire.entropy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A range coder (32-bit range, byte output, carries propagated into the bytes already
 * written) that writes one independently flushable unit at a time into a caller's
 * segment.
 *
 * <pre>{@code
 * enc.reset(out, offset, capacity);
 * enc.encode(model, symbol);      // any number of symbols, bits and raw bits
 * long n = enc.finish();          // the unit is out[offset, offset + n)
 * }</pre>
 *
 * <p>{@link #finish()} writes only as many bytes as the decoder needs to tell the
 * final interval apart, and drops trailing zero bytes of that flush: a
 * {@link RangeDecoder} reads missing bytes as zeros. A unit costs the information of
 * its symbols plus at most about one byte.
 *
 * <p>Models are updated as symbols are coded and are not touched by {@code reset} or
 * {@code finish}: they carry context from one unit to the next. The encoder writes
 * into the caller's segment and allocates nothing. Not thread-safe.
 */
public final class RangeEncoder {

    private static final long TOP = 1L << 24;
    private static final long MASK32 = 0xFFFF_FFFFL;

    private MemorySegment out = MemorySegment.NULL;
    private long start;
    private long limit;
    private long pos;
    private long low;
    private long range;
    private boolean overflow;

    /** An encoder with no unit open; call {@link #reset} first. */
    public RangeEncoder() {}

    /**
     * Starts a new unit written to {@code out[offset, offset + capacity)}.
     *
     * @throws IndexOutOfBoundsException if the range lies outside {@code out}
     */
    public void reset(MemorySegment out, long offset, long capacity) {
        if (offset < 0 || capacity < 0 || offset > out.byteSize() - capacity) {
            throw new IndexOutOfBoundsException("unit range outside the segment");
        }
        this.out = out;
        this.start = offset;
        this.limit = offset + capacity;
        this.pos = offset;
        this.low = 0;
        this.range = MASK32;
        this.overflow = false;
    }

    /** Codes {@code symbol} with the probabilities of {@code m}, then updates {@code m}. */
    public void encode(AdaptiveModel m, int symbol) {
        if (symbol < 0 || symbol >= m.symbols()) {
            throw new IllegalArgumentException("symbol " + symbol + " outside 0.." + (m.symbols() - 1));
        }
        long r = range / m.total();
        low += r * m.cumulative(symbol);
        range = r * m.freq(symbol);
        m.update(symbol);
        normalize();
    }

    /**
     * Codes the low {@code nbits} bits of {@code value} with uniform probability.
     *
     * @param nbits 0 to 16
     */
    public void encodeBits(int value, int nbits) {
        if (nbits < 0 || nbits > 16) {
            throw new IllegalArgumentException("nbits must be 0 to 16, was " + nbits);
        }
        if (nbits == 0) {
            return;
        }
        long r = range >>> nbits;
        low += r * (value & ((1 << nbits) - 1));
        range = r;
        normalize();
    }

    /**
     * Codes one binary decision, {@code bit} (0 or 1), where {@code p1} is the
     * probability of a 1 in units of 1/4096 (1 to 4095). Context-mixing models drive
     * this; the caller updates its own probability afterwards.
     */
    public void encodeBit(int bit, int p1) {
        long r = (range >>> 12) * p1;
        if (bit != 0) {
            range = r;
        } else {
            low += r;
            range -= r;
        }
        normalize();
    }

    private void normalize() {
        if (low > MASK32) {
            carry();
            low &= MASK32;
        }
        while (range < TOP) {
            put((int) (low >>> 24));
            low = (low << 8) & MASK32;
            range <<= 8;
        }
    }

    private void put(int b) {
        if (pos < limit) {
            out.set(ValueLayout.JAVA_BYTE, pos, (byte) b);
        } else {
            overflow = true;
        }
        pos++;
    }

    private void carry() {
        long i = Math.min(pos, limit) - 1;
        while (i >= start) {
            byte b = out.get(ValueLayout.JAVA_BYTE, i);
            out.set(ValueLayout.JAVA_BYTE, i, (byte) (b + 1));
            if (b != (byte) 0xFF) {
                return;
            }
            i--;
        }
        // A carry out of the unit cannot happen: the coded value stays below 1.
    }

    /**
     * Flushes the unit: picks the value in the final interval with the most trailing
     * zero bits and writes its non-zero leading bytes (0 to 4 bytes).
     *
     * @return the number of bytes of the unit, starting at the reset offset
     * @throws IllegalStateException if the unit did not fit in the capacity given to
     *     {@link #reset}; the bytes are then incomplete and, as the models were updated,
     *     the caller must reset its models before coding again
     */
    public long finish() {
        long hi = low + range; // exclusive, may be up to 2^33
        long v = low;
        for (int k = 32; k >= 0; k--) {
            long mask = (1L << k) - 1;
            long c = (low + mask) & ~mask;
            if (c < hi) {
                v = c;
                break;
            }
        }
        if (v > MASK32) {
            carry();
            v &= MASK32;
        }
        for (int shift = 24; shift >= 0 && (v & ((1L << (shift + 8)) - 1)) != 0; shift -= 8) {
            put((int) (v >>> shift) & 0xFF);
        }
        if (overflow) {
            throw new IllegalStateException(
                    "range coder unit needs " + (pos - start) + " bytes, capacity is " + (limit - start));
        }
        long n = pos - start;
        low = 0;
        range = MASK32;
        return n;
    }

    /** Bytes written so far in the current unit (before {@link #finish()}), capacity not counted. */
    public long position() {
        return pos - start;
    }
}
