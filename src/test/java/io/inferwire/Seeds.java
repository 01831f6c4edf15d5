package io.inferwire;

import java.util.SplittableRandom;

/** Seeded randomness for tests: the seed is printed, and -Dinferwire.seed=N replays it. */
public final class Seeds {

    private Seeds() {}

    /** A random source for {@code test}, announcing its seed. */
    public static SplittableRandom random(String test) {
        String fixed = System.getProperty("inferwire.seed");
        long seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime();
        System.out.println(test + ": seed " + seed + " (replay with -Dinferwire.seed=" + seed + ")");
        return new SplittableRandom(seed);
    }
}
