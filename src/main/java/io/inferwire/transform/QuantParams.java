package io.inferwire.transform;

/**
 * The float32 constants of error-bounded quantization with bound {@code e}, derived
 * once so that every backend computes with the same bits:
 *
 * <ul>
 *   <li>{@code step = (float) (2 * e)}: the quantization step;
 *   <li>{@code inverse = 1f / step} (one float division);
 *   <li>{@code accept}: the float one below the largest float {@code <= e}. A value is
 *       kept when {@code |fl(x - r)| <= accept}; since {@code fl} rounds to nearest,
 *       the exact error is then {@code < e} (the margin absorbs that last rounding).
 * </ul>
 *
 * @param bound the error bound {@code e} as given
 * @param step the quantization step
 * @param inverse the reciprocal of the step
 * @param accept the acceptance threshold on the float32 error
 */
public record QuantParams(double bound, float step, float inverse, float accept) {

    /** Largest |quantized value| (exclusive) before a value is escaped: keeps the rounding trick exact. */
    public static final float Q_LIMIT = 4194303f; // 2^22 - 1

    /** {@code 1.5 * 2^23}: adding and subtracting it rounds a float of magnitude under 2^22 to an integer, ties to even. */
    public static final float ROUND_MAGIC = 12582912f;

    /** The zigzag code of an escaped value (the exact bits travel after the packed residuals). */
    public static final int ESCAPE = 0xFFFFFF;

    /** Canonical constructor; use {@link #of(double)}. */
    public QuantParams {}

    /**
     * The constants for bound {@code e}.
     *
     * @throws IllegalArgumentException unless {@code e} is finite, positive, and its
     *     step {@code 2e} is a normal float
     */
    public static QuantParams of(double e) {
        if (!(e > 0) || Double.isInfinite(e)) {
            throw new IllegalArgumentException("error bound must be finite and > 0, was " + e);
        }
        float step = (float) (2 * e);
        if (!(step >= Float.MIN_NORMAL) || Float.isInfinite(step)) {
            throw new IllegalArgumentException("error bound " + e + " is outside float32's normal range");
        }
        float fe = (float) e;
        if ((double) fe > e) {
            fe = Math.nextDown(fe);
        }
        return new QuantParams(e, step, 1f / step, Math.nextDown(fe));
    }
}
