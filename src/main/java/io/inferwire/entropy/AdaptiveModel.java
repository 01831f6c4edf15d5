package io.inferwire.entropy;

import java.util.Arrays;

/**
 * An adaptive frequency model over the symbols {@code 0 .. symbols()-1} for
 * {@link RangeEncoder#encode} and {@link RangeDecoder#decode}.
 *
 * <p>Every symbol keeps a count of at least 1; coding a symbol adds {@link #INCREMENT}
 * to its count, and when the total passes {@link #MAX_TOTAL} all counts are halved
 * (rounding up), so the model follows drifting statistics. Cumulative counts live in
 * a Fenwick tree: coding a symbol costs O(log symbols), halving O(symbols).
 *
 * <p>The model is plain state that persists across coded units: encoder and decoder
 * must drive identical models through identical symbol sequences. It allocates only
 * in its constructors. Not thread-safe.
 */
public final class AdaptiveModel {

    /** Smallest alphabet. */
    public static final int MIN_SYMBOLS = 2;
    /** Largest alphabet. */
    public static final int MAX_SYMBOLS = 4096;
    /** Added to a symbol's count each time it is coded. */
    public static final int INCREMENT = 32;
    /** The counts are halved when their total passes this. */
    public static final int MAX_TOTAL = 1 << 16;

    private final int n;
    private final int[] initial;
    private final int[] freq;
    private final int[] tree;
    private final int topBit;
    private int total;

    /**
     * A model in which every symbol starts with count 1.
     *
     * @param symbols alphabet size, {@value #MIN_SYMBOLS} to {@value #MAX_SYMBOLS}
     * @throws IllegalArgumentException if {@code symbols} is out of range
     */
    public AdaptiveModel(int symbols) {
        this(ones(symbols));
    }

    /**
     * A model that starts from (and {@link #reset()}s to) the given counts, scaled down
     * when their total is over {@link #MAX_TOTAL} / 2; a count below 1 counts as 1. The
     * array is copied.
     *
     * @param priorCounts one count per symbol; its length is the alphabet size
     * @throws IllegalArgumentException if the length is out of range
     */
    public AdaptiveModel(int[] priorCounts) {
        int symbols = priorCounts.length;
        if (symbols < MIN_SYMBOLS || symbols > MAX_SYMBOLS) {
            throw new IllegalArgumentException(
                    "symbols must be " + MIN_SYMBOLS + " to " + MAX_SYMBOLS + ", was " + symbols);
        }
        n = symbols;
        initial = new int[n];
        long sum = 0;
        for (int i = 0; i < n; i++) {
            initial[i] = Math.max(1, priorCounts[i]);
            sum += initial[i];
        }
        while (sum > MAX_TOTAL / 2) {
            sum = 0;
            for (int i = 0; i < n; i++) {
                initial[i] = (initial[i] + 1) >>> 1;
                sum += initial[i];
            }
        }
        freq = new int[n];
        tree = new int[n + 1];
        topBit = Integer.highestOneBit(n);
        reset();
    }

    private static int[] ones(int symbols) {
        if (symbols < MIN_SYMBOLS || symbols > MAX_SYMBOLS) {
            throw new IllegalArgumentException(
                    "symbols must be " + MIN_SYMBOLS + " to " + MAX_SYMBOLS + ", was " + symbols);
        }
        int[] a = new int[symbols];
        Arrays.fill(a, 1);
        return a;
    }

    /** Returns the model to its initial (prior) state. */
    public void reset() {
        System.arraycopy(initial, 0, freq, 0, n);
        rebuild();
    }

    /** The alphabet size. */
    public int symbols() {
        return n;
    }

    /** The sum of all counts (the denominator of every probability). */
    int total() {
        return total;
    }

    int freq(int symbol) {
        return freq[symbol];
    }

    /** Sum of the counts of the symbols below {@code symbol}. */
    int cumulative(int symbol) {
        int sum = 0;
        for (int i = symbol; i > 0; i -= i & -i) {
            sum += tree[i];
        }
        return sum;
    }

    /** The symbol whose cumulative range holds {@code target} (0 <= target < total). */
    int find(int target) {
        int pos = 0;
        int rem = target;
        for (int step = topBit; step > 0; step >>>= 1) {
            int next = pos + step;
            if (next <= n && tree[next] <= rem) {
                pos = next;
                rem -= tree[next];
            }
        }
        return pos;
    }

    void update(int symbol) {
        freq[symbol] += INCREMENT;
        total += INCREMENT;
        if (total > MAX_TOTAL) {
            for (int i = 0; i < n; i++) {
                freq[i] = (freq[i] + 1) >>> 1;
            }
            rebuild();
        } else {
            for (int i = symbol + 1; i <= n; i += i & -i) {
                tree[i] += INCREMENT;
            }
        }
    }

    private void rebuild() {
        int sum = 0;
        for (int i = 1; i <= n; i++) {
            tree[i] = freq[i - 1];
            sum += freq[i - 1];
        }
        for (int i = 1; i <= n; i++) {
            int parent = i + (i & -i);
            if (parent <= n) {
                tree[parent] += tree[i];
            }
        }
        total = sum;
    }
}
