package io.inferwire.tokens.internal;

import java.util.Arrays;

/**
 * A small context-mixing model of a byte stream (after lpaq): per bit, order-0 to
 * order-4 and word contexts each give a probability, a logistic mixer (weights chosen
 * by the partial byte) combines them. The history runs across steps, so the text of a
 * stream is modelled as one text however it is cut into pieces. All integer
 * arithmetic, so every JVM predicts the same.
 */
public final class TextModel {

    private static final int[] SQUASH_POINTS = {
        1, 2, 3, 6, 10, 16, 27, 45, 73, 120, 194, 310, 488, 747, 1101, 1546, 2047, 2549, 2994, 3348, 3607, 3785, 3901,
        3975, 4022, 4050, 4068, 4079, 4085, 4089, 4092, 4093, 4094
    };
    private static final short[] STRETCH = new short[4096];

    static {
        int pi = 0;
        for (int x = -2047; x <= 2047; x++) {
            int v = squash(x);
            for (int i = pi; i <= v; i++) {
                STRETCH[i] = (short) x;
            }
            pi = v + 1;
        }
        for (int i = pi; i < 4096; i++) {
            STRETCH[i] = 2047;
        }
    }

    static int squash(int d) {
        if (d > 2047) {
            return 4095;
        }
        if (d < -2047) {
            return 1;
        }
        int w = d & 127;
        int i = (d >> 7) + 16;
        return (SQUASH_POINTS[i] * (128 - w) + SQUASH_POINTS[i + 1] * w + 64) >> 7;
    }

    static int stretch(int p) {
        return STRETCH[p];
    }

    private static final int INPUTS = 9;
    /** Mixer learning rate (tuned on generic text; low because the prior trains the weights). */
    private static final int LR = 1;

    private static final int LIMIT = 60;
    /** Mixer weight sets: bit position x class of the last byte. */
    private static final int SETS = 8 * 4;

    private final int bits;
    private final int mask;
    private final Counters o0 = new Counters(256, LIMIT);
    private final Counters o1 = new Counters(1 << 16, LIMIT);
    private final Counters[] hashed;
    private final int[] weights = new int[SETS * INPUTS];
    private final int[] st = new int[INPUTS];
    private final int[] idx = new int[INPUTS];
    private final int[] ctx = new int[6];
    private long c8;

    private int c4;
    private int word;
    private int c0;

    /** A model whose hashed tables have {@code 2^bits} slots each. */
    public TextModel(int bits) {
        this.bits = bits;
        this.mask = (1 << bits) - 1;
        hashed = new Counters[6];
        for (int i = 0; i < 6; i++) {
            hashed[i] = new Counters(1 << bits, LIMIT);
        }
        reset();
    }

    public void reset() {
        o0.reset();
        o1.reset();
        for (Counters h : hashed) {
            h.reset();
        }
        Arrays.fill(weights, 1 << 14);
        c4 = 0;
        c8 = 0;
        word = 0;
        c0 = 1;
        contexts();
    }

    private void contexts() {
        ctx[0] = hash(c4 & 0xFFFF, 2);
        ctx[1] = hash(c4 & 0xFFFFFF, 3);
        ctx[2] = hash(c4, 4);
        ctx[3] = hash(word, 5);
        ctx[4] = hash((int) (c8 & 0xFFFFFFFFFFFFL) ^ (int) ((c8 & 0xFFFFFFFFFFFFL) >>> 29), 6);
        ctx[5] = hash((c4 & 0xFF00FF00) | 0x1, 7);
    }

    private static int hash(int x, int k) {
        int h = x * 0x2F0B4C67 + k * 0x7FEB352D;
        h ^= h >>> 15;
        h *= 0x846CA68B;
        return h ^ (h >>> 16);
    }

    /** Takes over the state of {@code o} (a model of the same size). */
    public void copyFrom(TextModel o) {
        o0.copyFrom(o.o0);
        o1.copyFrom(o.o1);
        for (int i = 0; i < hashed.length; i++) {
            hashed[i].copyFrom(o.hashed[i]);
        }
        System.arraycopy(o.weights, 0, weights, 0, weights.length);
        c4 = o.c4;
        c8 = o.c8;
        word = o.word;
        c0 = 1;
        contexts();
    }

    /** Codes one byte (0..255) and returns it. */
    public int code(Coder c, int value) {
        c0 = 1;
        for (int i = 7; i >= 0; i--) {
            int bit = (value >>> i) & 1;
            int p = predict();
            bit = c.bit(bit, p);
            update(bit, p);
            c0 = (c0 << 1) | bit;
        }
        int b = c0 & 0xFF;
        learn(b);
        return b;
    }

    /** Updates the history with {@code b} as if it had been coded (for priming). */
    public void train(int value) {
        c0 = 1;
        for (int i = 7; i >= 0; i--) {
            int bit = (value >>> i) & 1;
            int p = predict();
            update(bit, p);
            c0 = (c0 << 1) | bit;
        }
        learn(c0 & 0xFF);
    }

    private void learn(int b) {
        c4 = (c4 << 8) | b;
        c8 = (c8 << 8) | b;
        boolean letter = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b >= 0x80 || (b >= '0' && b <= '9');
        word = letter ? (word + (b | 0x20)) * 0x01000193 : 0;
        c0 = 1;
        contexts();
    }

    /**
     * The probability (1/4096 units) that the next byte is {@code value}, from the
     * model's current state, without changing it.
     */
    public int peek(int value) {
        int saved = c0;
        long p = 4096;
        c0 = 1;
        for (int i = 7; i >= 0; i--) {
            int bit = (value >>> i) & 1;
            int q = predict();
            p = p * (bit == 1 ? q : 4096 - q) >> 12;
            c0 = (c0 << 1) | bit;
        }
        c0 = saved;
        return Math.clamp(p, 1, 4095);
    }

    /** The last byte coded (0 before any). */
    public int last() {
        return c4 & 0xFF;
    }

    /** The byte before the last one. */
    public int previous() {
        return (c4 >>> 8) & 0xFF;
    }

    private int wset() {
        return (31 - Integer.numberOfLeadingZeros(c0)) * 4 + classOf(c4 & 0xFF);
    }

    private static int classOf(int b) {
        if (b == ' ') {
            return 0;
        }
        if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')) {
            return 1;
        }
        if (b >= 0x80) {
            return 2;
        }
        return 3;
    }

    private int predict() {
        idx[0] = c0;
        idx[1] = ((c4 & 0xFF) << 8) | c0;
        for (int k = 0; k < 6; k++) {
            idx[2 + k] = (ctx[k] + c0 * 0x9E3779B1 >>> (32 - bits)) & mask;
        }
        st[0] = stretch(o0.p12(idx[0]));
        st[1] = stretch(o1.p12(idx[1]));
        for (int k = 0; k < 6; k++) {
            st[2 + k] = stretch(hashed[k].p12(idx[2 + k]));
        }
        st[8] = 256;
        int w = wset() * INPUTS;
        long dot = 0;
        for (int i = 0; i < INPUTS; i++) {
            dot += (long) weights[w + i] * st[i];
        }
        return Math.clamp(squash((int) (dot >> 16)), 1, 4095);
    }

    private void update(int bit, int p) {
        int err = ((bit << 12) - p) * LR;
        int w = wset() * INPUTS;
        for (int i = 0; i < INPUTS; i++) {
            weights[w + i] += (st[i] * err) >> 10;
        }
        o0.update(idx[0], bit);
        o1.update(idx[1], bit);
        for (int k = 0; k < 6; k++) {
            hashed[k].update(idx[2 + k], bit);
        }
    }
}
