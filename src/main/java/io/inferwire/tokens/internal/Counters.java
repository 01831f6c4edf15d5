package io.inferwire.tokens.internal;

import java.util.Arrays;

/**
 * A table of adaptive bit probabilities: each slot learns fast at first (1/(n+1.5))
 * and settles at a rate of 1/{@code limit}. Integer arithmetic only.
 */
public final class Counters {

    private final char[] p;
    private final byte[] n;
    private final int limit;

    public Counters(int size, int limit) {
        p = new char[size];
        n = new byte[size];
        this.limit = limit;
        reset();
    }

    public void reset() {
        Arrays.fill(p, (char) 32768);
        Arrays.fill(n, (byte) 0);
    }

    public void copyFrom(Counters o) {
        System.arraycopy(o.p, 0, p, 0, p.length);
        System.arraycopy(o.n, 0, n, 0, n.length);
    }

    public int size() {
        return p.length;
    }

    /** P(1) of slot {@code i} in 1/4096 units, clamped to 1..4095. */
    public int p12(int i) {
        return Math.clamp(p[i] >>> 4, 1, 4095);
    }

    /** P(1) of slot {@code i} in 1/65536 units. */
    public int p16(int i) {
        return p[i];
    }

    public void update(int i, int bit) {
        int c = n[i];
        int target = bit != 0 ? 65535 : 0;
        int v = p[i];
        v += (target - v) * 2 / (2 * c + 3);
        p[i] = (char) v;
        if (c < limit) {
            n[i] = (byte) (c + 1);
        }
    }

    /** Codes {@code bit} with slot {@code i} and updates it. */
    public int code(Coder c, int i, int bit) {
        int b = c.bit(bit, p12(i));
        update(i, b);
        return b;
    }

    /**
     * Codes a non-negative number with an Elias-gamma code whose unary part uses slots
     * {@code base .. base+63}: the bit length adapts, the bits below the top one are
     * uniform.
     */
    public long gamma(Coder c, int base, long value) {
        long m = value + 1; // 1 .. 2^63 (value < 2^63 - 1)
        int nb = 64 - Long.numberOfLeadingZeros(m);
        int len = 1;
        while (true) {
            int more = code(c, base + Math.min(len - 1, 63), len < nb ? 1 : 0);
            if (more == 0 || len == 63) {
                break;
            }
            len++;
        }
        long v = 1;
        int rest = len - 1;
        while (rest > 0) {
            int k = Math.min(rest, 16);
            int chunk = c.bits((int) (m >>> (rest - k)) & ((1 << k) - 1), k);
            v = (v << k) | chunk;
            rest -= k;
        }
        return v - 1;
    }
}
