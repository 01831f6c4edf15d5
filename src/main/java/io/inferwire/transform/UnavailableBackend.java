package io.inferwire.transform;

import java.lang.foreign.MemorySegment;

/**
 * A backend that cannot run here, and says why: what the factory lists in place of a
 * backend whose library, module or device is missing. Every kernel throws
 * {@link UnsupportedOperationException} with the reason.
 *
 * @param name the backend's name
 * @param reason why it cannot run
 */
public record UnavailableBackend(String name, String reason) implements Backend {

    /** Canonical constructor. */
    public UnavailableBackend {}

    @Override
    public boolean isAvailable() {
        return false;
    }

    @Override
    public String unavailableReason() {
        return reason;
    }

    private UnsupportedOperationException unavailable() {
        return new UnsupportedOperationException("backend " + name + " is unavailable: " + reason);
    }

    @Override
    public void xorSplit(
            MemorySegment x,
            long xOff,
            MemorySegment ref,
            long refOff,
            boolean hasRef,
            MemorySegment planes,
            long planesOff,
            int n) {
        throw unavailable();
    }

    @Override
    public void xorMerge(
            MemorySegment planes,
            long planesOff,
            MemorySegment ref,
            long refOff,
            boolean hasRef,
            MemorySegment out,
            long outOff,
            int n) {
        throw unavailable();
    }

    @Override
    public int quantize(
            MemorySegment x,
            long xOff,
            MemorySegment prev,
            long prevOff,
            boolean intra,
            QuantParams p,
            MemorySegment z,
            long zOff,
            MemorySegment next,
            long nextOff,
            int n) {
        throw unavailable();
    }

    @Override
    public void dequantize(
            MemorySegment z,
            long zOff,
            MemorySegment prev,
            long prevOff,
            boolean intra,
            QuantParams p,
            MemorySegment next,
            long nextOff,
            int n) {
        throw unavailable();
    }

    @Override
    public int pack(MemorySegment z, long zOff, int n, MemorySegment out, long outOff) {
        throw unavailable();
    }

    @Override
    public int unpack(MemorySegment in, long inOff, long length, MemorySegment z, long zOff, int n) {
        throw unavailable();
    }
}
