package io.inferwire.bench;

import java.io.PrintStream;

/** What the report is doing, on standard error: one line per step, counters in place on a terminal. */
final class Progress {

    private final PrintStream err;
    private final boolean tty;
    private final long start = System.nanoTime();
    private long lastCount;
    private int lastTenth = -1;

    Progress(PrintStream err) {
        this.err = err;
        this.tty = System.console() != null;
    }

    /** Announces a format being measured on a workload. */
    void step(String workload, String format) {
        if (tty) {
            err.printf("\r\033[K  %-32s %s", workload, format);
        }
    }

    /** Ends a workload's line. */
    void done() {
        if (tty) {
            err.print("\r\033[K");
        }
    }

    /** Announces a phase. */
    void phase(String text) {
        err.printf("[%6.1fs] %s%n", (System.nanoTime() - start) / 1e9, text);
    }

    /** A counter of a long step (model inference): printed in place on a terminal, every 10% otherwise. */
    void count(String what, int done, int total) {
        if (tty) {
            if (done == total || System.nanoTime() - lastCount > 100_000_000L) {
                lastCount = System.nanoTime();
                err.printf("\r\033[K  %s %d/%d", what, done, total);
                if (done == total) {
                    err.println();
                }
            }
        } else if (done == total || done * 10L / total > lastTenth) {
            lastTenth = done == total ? -1 : (int) (done * 10L / total);
            err.printf("  %s %d/%d%n", what, done, total);
        }
    }
}
