package io.inferwire.bench;

/**
 * Wall-clock timing for the report: warm-up runs for a minimum time (so the JIT has
 * compiled the code), then repeated runs until both a minimum count and a minimum
 * total time are reached; the fastest run is kept (the one least disturbed by the
 * machine; the report says so).
 */
final class Timer {

    /** Something to time. */
    @FunctionalInterface
    interface Task {
        void run() throws Exception;
    }

    private final double warmSeconds;
    private final double minSeconds;
    private final int minRuns;

    Timer(double warmSeconds, double minSeconds, int minRuns) {
        this.warmSeconds = warmSeconds;
        this.minSeconds = minSeconds;
        this.minRuns = minRuns;
    }

    /** The fastest of the timed runs of {@code task}, in seconds. */
    double best(Task task) throws Exception {
        long warmEnd = System.nanoTime() + (long) (warmSeconds * 1e9);
        int warm = 0;
        do {
            task.run();
        } while (++warm < 1000 && System.nanoTime() < warmEnd);
        double best = Double.MAX_VALUE;
        double total = 0;
        int runs = 0;
        while (runs < minRuns || total < minSeconds) {
            long t0 = System.nanoTime();
            task.run();
            double s = (System.nanoTime() - t0) / 1e9;
            best = Math.min(best, s);
            total += s;
            runs++;
            if (runs >= 1000) {
                break;
            }
        }
        return best;
    }
}
