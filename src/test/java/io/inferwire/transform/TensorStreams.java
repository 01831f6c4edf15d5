package io.inferwire.transform;

import java.util.SplittableRandom;

/** Float32 test streams: every kind of data the codec must survive, seeded. */
final class TensorStreams {

    enum Kind {
        INDEPENDENT,
        DRIFTING,
        CONSTANT,
        ALTERNATING,
        HUGE,
        TINY,
        SPECIALS,
        BITS
    }

    private TensorStreams() {}

    /** {@code frames} rows of {@code n} values of the given kind. */
    static float[][] make(Kind kind, int frames, int n, SplittableRandom r) {
        float[][] rows = new float[frames][n];
        float[] a = gaussian(n, r, 0.05);
        float[] b = gaussian(n, r, 0.05);
        for (int f = 0; f < frames; f++) {
            float[] row = rows[f];
            switch (kind) {
                case INDEPENDENT -> row = gaussian(n, r, 0.05);
                case DRIFTING -> {
                    for (int i = 0; i < n; i++) {
                        a[i] += (float) (r.nextGaussian() * 3e-4);
                    }
                    row = a.clone();
                }
                case CONSTANT -> row = a.clone();
                case ALTERNATING -> row = (f % 2 == 0 ? a : b).clone();
                case HUGE -> {
                    for (int i = 0; i < n; i++) {
                        row[i] = (float) (r.nextGaussian() * 1e30);
                    }
                }
                case TINY -> {
                    for (int i = 0; i < n; i++) {
                        row[i] = Float.intBitsToFloat(r.nextInt(0x00900000)) * (r.nextBoolean() ? 1 : -1);
                    }
                }
                case SPECIALS -> {
                    for (int i = 0; i < n; i++) {
                        a[i] += (float) (r.nextGaussian() * 1e-3);
                        row[i] = switch (r.nextInt(12)) {
                            case 0 -> Float.intBitsToFloat(0x7fc00000 | r.nextInt(1 << 22)); // NaN with payload
                            case 1 -> Float.intBitsToFloat(0xff800001 + r.nextInt(1 << 22)); // signalling NaN bits
                            case 2 -> Float.POSITIVE_INFINITY;
                            case 3 -> Float.NEGATIVE_INFINITY;
                            case 4 -> -0.0f;
                            case 5 -> Float.MIN_VALUE;
                            case 6 -> Float.MAX_VALUE;
                            default -> a[i];
                        };
                    }
                }
                case BITS -> {
                    for (int i = 0; i < n; i++) {
                        row[i] = Float.intBitsToFloat(r.nextInt());
                    }
                }
            }
            rows[f] = row;
        }
        return rows;
    }

    static float[] gaussian(int n, SplittableRandom r, double sigma) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * sigma);
        }
        return v;
    }
}
