package io.inferwire.tokens.internal;

import io.inferwire.entropy.AdaptiveModel;
import io.inferwire.entropy.RangeDecoder;
import io.inferwire.entropy.RangeEncoder;

/**
 * One object that either encodes or decodes, so that every model is written once and
 * the encoder and decoder cannot drift apart: each method takes the value to encode
 * and returns the value coded (the argument when encoding, the decoded one otherwise).
 */
public final class Coder {

    private final boolean encoding;
    private final RangeEncoder enc;
    private final RangeDecoder dec;

    private Coder(boolean encoding) {
        this.encoding = encoding;
        this.enc = encoding ? new RangeEncoder() : null;
        this.dec = encoding ? null : new RangeDecoder();
    }

    /** A coder that encodes. */
    public static Coder encoder() {
        return new Coder(true);
    }

    /** A coder that decodes. */
    public static Coder decoder() {
        return new Coder(false);
    }

    public boolean encoding() {
        return encoding;
    }

    public RangeEncoder rangeEncoder() {
        return enc;
    }

    public RangeDecoder rangeDecoder() {
        return dec;
    }

    /** A binary decision with probability {@code p1} (1..4095 of 4096) of a 1. */
    public int bit(int bit, int p1) {
        if (encoding) {
            enc.encodeBit(bit, p1);
            return bit;
        }
        return dec.decodeBit(p1);
    }

    public int symbol(AdaptiveModel m, int s) {
        if (encoding) {
            enc.encode(m, s);
            return s;
        }
        return dec.decode(m);
    }

    /** {@code n} uniform bits, 0 to 32. */
    public int bits(int v, int n) {
        if (n > 16) {
            int lo = bits(v & 0xFFFF, 16);
            int hi = bits(v >>> 16, n - 16);
            return (hi << 16) | lo;
        }
        if (encoding) {
            enc.encodeBits(v, n);
            return n == 0 ? 0 : v & ((1 << n) - 1);
        }
        return dec.decodeBits(n);
    }
}
