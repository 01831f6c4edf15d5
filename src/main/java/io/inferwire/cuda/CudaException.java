package io.inferwire.cuda;

/**
 * A CUDA driver call failed, or CUDA cannot run here. The message names the call and
 * the error as {@code cuGetErrorName} spells it.
 */
public final class CudaException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int result;

    /**
     * A failure.
     *
     * @param message what failed: the call and the error's name
     * @param result the {@code CUresult}, or 0 when no call failed (CUDA is unavailable)
     */
    public CudaException(String message, int result) {
        super(message);
        this.result = result;
    }

    /** The {@code CUresult} of the failed call, or 0 when CUDA is unavailable. */
    public int result() {
        return result;
    }
}
