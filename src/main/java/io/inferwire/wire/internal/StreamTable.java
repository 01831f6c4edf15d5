package io.inferwire.wire.internal;

/**
 * Per-stream sequence state keyed by a 64-bit stream id, in open-addressing primitive
 * arrays so that the lookup per frame allocates nothing. Capacity is fixed at
 * construction (twice the stream limit, so probes stay short).
 */
public final class StreamTable {

    /** State of a slot. */
    public static final byte EMPTY = 0;
    /** A stream that has frames and no END yet. */
    public static final byte OPEN = 1;
    /** A stream whose END frame arrived. */
    public static final byte ENDED = 2;

    private long[] ids;
    private long[] next;
    private byte[] state;
    private int[] chain;
    private int[] compacts;
    private boolean[] compactOk;
    private final int mask;
    private final int limit;
    private int size;

    /** A table for at most {@code limit} streams. */
    public StreamTable(int limit) {
        int cap = Integer.highestOneBit(Math.max(2, limit) * 2 - 1) << 1;
        ids = new long[cap];
        next = new long[cap];
        state = new byte[cap];
        chain = new int[cap];
        compacts = new int[cap];
        compactOk = new boolean[cap];
        mask = cap - 1;
        this.limit = limit;
    }

    /** The slot of {@code id}, or {@code -(insertion point) - 1} when absent. */
    public int find(long id) {
        int i = (int) mix(id) & mask;
        while (state[i] != EMPTY) {
            if (ids[i] == id) {
                return i;
            }
            i = (i + 1) & mask;
        }
        return -i - 1;
    }

    /**
     * Adds {@code id} at the insertion point from {@link #find}; returns its slot, or -1
     * when the table is full of open streams. A full table first forgets its ended
     * streams (so the limit is on streams open at once, not on a reader's lifetime).
     */
    public int add(int insertion, long id) {
        if (size == limit) {
            if (!dropEnded()) {
                return -1;
            }
            insertion = find(id);
        }
        int i = -insertion - 1;
        ids[i] = id;
        state[i] = OPEN;
        chain[i] = 0;
        compacts[i] = 0;
        compactOk[i] = false;
        size++;
        return i;
    }

    /** The next expected sequence number of the stream in {@code slot}. */
    public long next(int slot) {
        return next[slot];
    }

    /** Sets the next expected sequence number. */
    public void next(int slot, long seq) {
        next[slot] = seq;
    }

    /** The chain hash over the compact step frames since the stream's last full frame. */
    public int chain(int slot) {
        return chain[slot];
    }

    /** Compact step frames since the stream's last full frame. */
    public int compacts(int slot) {
        return compacts[slot];
    }

    /** Records a compact step frame whose chain hash is now {@code hash}. */
    public void compact(int slot, int hash) {
        chain[slot] = hash;
        compacts[slot]++;
    }

    /** Whether the stream's HEADER announced compact step frames. */
    public boolean compactOk(int slot) {
        return compactOk[slot];
    }

    /** Records whether the stream's HEADER announced compact step frames. */
    public void compactOk(int slot, boolean ok) {
        compactOk[slot] = ok;
    }

    /** Starts a new chain (after a full frame). */
    public void clearChain(int slot) {
        chain[slot] = 0;
        compacts[slot] = 0;
    }

    /** The state of {@code slot}. */
    public byte state(int slot) {
        return state[slot];
    }

    /** Marks the stream in {@code slot} ended. */
    public void end(int slot) {
        state[slot] = ENDED;
    }

    /** Number of streams. */
    public int size() {
        return size;
    }

    /** Visits every stream still open: returns the first one's slot, or -1. */
    public int firstOpen() {
        for (int i = 0; i < state.length; i++) {
            if (state[i] == OPEN) {
                return i;
            }
        }
        return -1;
    }

    /** Number of open streams. */
    public int openCount() {
        int n = 0;
        for (byte s : state) {
            if (s == OPEN) {
                n++;
            }
        }
        return n;
    }

    /** The stream id in {@code slot}. */
    public long id(int slot) {
        return ids[slot];
    }

    /** Rebuilds the table without its ended streams; false if every stream is open. */
    private boolean dropEnded() {
        if (openCount() == size) {
            return false;
        }
        long[] oldIds = ids;
        long[] oldNext = next;
        byte[] oldState = state;
        int[] oldChain = chain;
        int[] oldCompacts = compacts;
        boolean[] oldOk = compactOk;
        ids = new long[oldIds.length];
        next = new long[oldIds.length];
        state = new byte[oldIds.length];
        chain = new int[oldIds.length];
        compacts = new int[oldIds.length];
        compactOk = new boolean[oldIds.length];
        size = 0;
        for (int i = 0; i < oldState.length; i++) {
            if (oldState[i] == OPEN) {
                int slot = -find(oldIds[i]) - 1;
                ids[slot] = oldIds[i];
                next[slot] = oldNext[i];
                state[slot] = OPEN;
                chain[slot] = oldChain[i];
                compacts[slot] = oldCompacts[i];
                compactOk[slot] = oldOk[i];
                size++;
            }
        }
        return true;
    }

    private static long mix(long x) {
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        return x;
    }
}
