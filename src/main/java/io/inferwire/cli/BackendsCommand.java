package io.inferwire.cli;

import io.inferwire.transform.Backend;
import io.inferwire.transform.Backends;
import io.inferwire.transform.internal.CudaBackend;
import io.inferwire.transform.internal.NativeHost;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code inferwire backends}: every transform backend, whether it can run here (and why
 * not), and the one the factory picks.
 */
@Command(
        name = "backends",
        mixinStandardHelpOptions = true,
        description = {
            "List the transform backends (cuda, vector, scalar, native-host): available or not, and why;",
            "then the one Backends.get() picks (pin one with -D" + Backends.PROPERTY + "=NAME)."
        })
final class BackendsCommand implements Callable<Integer> {

    static final List<String> NAMES = List.of("cuda", "vector", "scalar", NativeHost.NAME);

    @Override
    public Integer call() {
        PrintStream out = System.out;
        out.printf("%-12s %-12s %s%n", "backend", "status", "detail");
        for (String name : NAMES) {
            Backend b = Backends.named(name);
            String detail;
            if (!b.isAvailable()) {
                detail = b.unavailableReason();
            } else if (b instanceof CudaBackend c) {
                detail = c.device();
            } else if (b instanceof NativeHost h) {
                detail = h.version() + " (pinnable only)";
            } else {
                detail = name.equals("scalar")
                        ? "the reference (test oracle)"
                        : "Java Vector API (jdk.incubator.vector)";
            }
            out.printf("%-12s %-12s %s%n", name, b.isAvailable() ? "available" : "unavailable", detail);
        }
        String pin = System.getProperty(Backends.PROPERTY);
        String how = pin == null || pin.isBlank() ? "first available in order" : "pinned by -D" + Backends.PROPERTY;
        try {
            out.println("chosen: " + Backends.get().name() + " (" + how + ")");
        } catch (IllegalStateException e) {
            out.println("chosen: none");
            throw e;
        }
        return 0;
    }
}
