package io.inferwire.transform;

import io.inferwire.transform.internal.CudaBackend;
import io.inferwire.transform.internal.NativeHost;
import io.inferwire.transform.internal.ScalarBackend;
import io.inferwire.transform.internal.SelfTest;
import io.inferwire.transform.internal.VectorBackend;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place that picks a transform {@link Backend}. Candidates are tried in a fixed
 * order, {@code cuda}, {@code vector}, {@code scalar}; each is self-tested against the
 * scalar reference before it is handed out. {@code cuda} needs JavaCPP's CUDA presets
 * (optional dependencies), a CUDA driver ({@code libcuda.so.1}), a device and the
 * kernels built by nvcc into this jar; where one is missing it is listed as unavailable
 * with that reason and the factory moves on. The choice, and why each faster candidate
 * was passed over, is logged (System.Logger {@code io.inferwire.transform}, INFO).
 *
 * <p>The system property {@value #PROPERTY} pins a backend by name. A pinned backend
 * that cannot run is an error ({@link IllegalStateException} with the reason), never a
 * quiet fall back to another one.
 *
 * <p>One more backend can only be pinned, never chosen on its own: {@code native-host},
 * the C host build of the kernels the CUDA backend runs ({@code libinferwire_host.so},
 * carried in the jar when the build had cmake and a C compiler). It gives the same bytes
 * as the others but pays a downcall per kernel and takes native segments only, so the
 * Java Vector backend stays the CPU default; it is there to hold the native math to
 * the reference and for callers that want to share it with a native runtime.
 */
public final class Backends {

    /** The system property that pins a backend: {@code cuda}, {@code vector}, {@code scalar} or {@code native-host}. */
    public static final String PROPERTY = "inferwire.backend";

    private static final System.Logger LOG = System.getLogger("io.inferwire.transform");

    private static volatile Backend chosen;
    private static volatile Backend cuda;
    private static volatile Backend vector;
    private static volatile Backend nativeHost;

    private Backends() {}

    /** The scalar reference implementation (always available; the test oracle). */
    public static Backend scalar() {
        return ScalarBackend.INSTANCE;
    }

    /**
     * Every candidate in the factory's order, each either a working backend or an
     * {@link UnavailableBackend} that says why it cannot run here.
     */
    public static List<Backend> all() {
        List<Backend> list = new ArrayList<>(3);
        list.add(cuda());
        list.add(vector());
        list.add(scalar());
        return List.copyOf(list);
    }

    /**
     * The backend named {@code name} ({@code cuda}, {@code vector}, {@code scalar} or
     * {@code native-host}), possibly an {@link UnavailableBackend}.
     *
     * @throws IllegalArgumentException if no backend has that name
     */
    public static Backend named(String name) {
        return switch (name) {
            case "cuda" -> cuda();
            case "vector" -> vector();
            case "scalar" -> scalar();
            case NativeHost.NAME -> nativeHost();
            default ->
                throw new IllegalArgumentException(
                        "no backend named '" + name + "' (cuda, vector, scalar, " + NativeHost.NAME + ")");
        };
    }

    /**
     * The backend to use: the pinned one, or the first available one in the fixed order.
     * Chosen once per JVM and logged.
     *
     * @throws IllegalStateException if the pinned backend cannot run here
     */
    public static Backend get() {
        Backend b = chosen;
        if (b == null) {
            synchronized (Backends.class) {
                b = chosen;
                if (b == null) {
                    b = choose();
                    chosen = b;
                }
            }
        }
        return b;
    }

    private static Backend choose() {
        String pin = System.getProperty(PROPERTY);
        if (pin != null && !pin.isBlank()) {
            Backend b = named(pin.trim());
            if (!b.isAvailable()) {
                throw new IllegalStateException(
                        "backend '" + pin + "' pinned by -D" + PROPERTY + " cannot run: " + b.unavailableReason());
            }
            LOG.log(System.Logger.Level.INFO, "inferwire transform backend: {0} (pinned by -D{1})", b.name(), PROPERTY);
            return b;
        }
        StringBuilder skipped = new StringBuilder();
        for (Backend b : all()) {
            if (b.isAvailable()) {
                LOG.log(
                        System.Logger.Level.INFO,
                        "inferwire transform backend: {0}{1}",
                        b.name(),
                        skipped.isEmpty() ? "" : " (" + skipped + ")");
                return b;
            }
            skipped.append(skipped.isEmpty() ? "" : "; ")
                    .append(b.name())
                    .append(" unavailable: ")
                    .append(b.unavailableReason());
        }
        throw new AssertionError("the scalar backend is always available");
    }

    private static Backend cuda() {
        Backend b = cuda;
        if (b == null) {
            synchronized (Backends.class) {
                b = cuda;
                if (b == null) {
                    // Loads JavaCPP's CUDA presets, the driver, device 0 and the kernels, then
                    // self-tests them; without any of those, an UnavailableBackend that says which.
                    b = CudaBackend.load();
                    cuda = b;
                }
            }
        }
        return b;
    }

    private static Backend nativeHost() {
        Backend b = nativeHost;
        if (b == null) {
            synchronized (Backends.class) {
                b = nativeHost;
                if (b == null) {
                    b = NativeHost.load(); // loads the library and self-tests it, once per JVM
                    nativeHost = b;
                }
            }
        }
        return b;
    }

    private static Backend vector() {
        Backend b = vector;
        if (b == null) {
            b = probeVector(); // once per JVM: the self-test runs the kernels
            vector = b;
        }
        return b;
    }

    private static Backend probeVector() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return new UnavailableBackend(
                    "vector",
                    "the jdk.incubator.vector module is not resolved (run with --add-modules jdk.incubator.vector)");
        }
        Backend b;
        try {
            String why = VectorBackend.cpuProblem();
            if (why != null) {
                return new UnavailableBackend("vector", why);
            }
            b = new VectorBackend();
        } catch (LinkageError e) {
            return new UnavailableBackend("vector", "the Vector API failed to load: " + e);
        }
        String failed;
        try {
            failed = SelfTest.run(b);
        } catch (LinkageError e) {
            return new UnavailableBackend("vector", "the Vector API failed to load: " + e);
        }
        return failed == null ? b : new UnavailableBackend("vector", "self-test failed: " + failed);
    }
}
