package io.inferwire.transform.internal;

import io.inferwire.cuda.CudaException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds out, once per JVM, whether CUDA can run here, and loads {@link Cuda} if so. This
 * class refers to no JavaCPP type, so it loads where JavaCPP's CUDA presets are absent
 * and says so; {@link Cuda}, which links against them, is touched only after they are
 * found and their JNI libraries loaded.
 */
public final class CudaLoader {

    /** Where the build puts the kernels in the jar. */
    public static final String FATBIN = "/native/linux-x86_64/inferwire_kernels.fatbin";

    /** The system property naming a fatbin (or PTX) file to load instead of the jar's. */
    public static final String FATBIN_PROPERTY = "inferwire.cuda.fatbin";

    private static final String CUDART = "org.bytedeco.cuda.global.cudart";

    /** The outcome: CUDA loaded, or why not. */
    public sealed interface Loaded {}

    /**
     * CUDA is usable.
     *
     * @param cuda the loaded driver and kernels
     */
    public record Ready(Cuda cuda) implements Loaded {}

    /**
     * CUDA is not usable.
     *
     * @param reason why
     */
    public record Unavailable(String reason) implements Loaded {}

    private static volatile Loaded loaded;

    private CudaLoader() {}

    /** Loads the presets, the driver, device 0 and the kernels once per JVM; never throws. */
    public static Loaded load() {
        Loaded l = loaded;
        if (l == null) {
            synchronized (CudaLoader.class) {
                l = loaded;
                if (l == null) {
                    l = probe();
                    loaded = l;
                }
            }
        }
        return l;
    }

    /**
     * The loaded driver.
     *
     * @throws CudaException with the reason when CUDA cannot run here
     */
    public static Cuda get() {
        return switch (load()) {
            case Ready r -> r.cuda();
            case Unavailable u -> throw new CudaException("CUDA is unavailable: " + u.reason(), 0);
        };
    }

    private static Loaded probe() {
        ClassLoader loader = CudaLoader.class.getClassLoader();
        try {
            Class.forName(CUDART, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            return new Unavailable("JavaCPP's CUDA presets are missing: add org.bytedeco:cuda and its"
                    + " linux-x86_64 jar (optional dependencies of inferwire) to the class path, or to the module"
                    + " path with --add-modules org.bytedeco.cuda.linux.x86_64");
        }
        try {
            Class.forName(CUDART, true, loader);
        } catch (ClassNotFoundException e) {
            return new Unavailable("JavaCPP's CUDA presets vanished: " + e);
        } catch (LinkageError e) {
            // JavaCPP throws UnsatisfiedLinkError when libcuda.so.1 (the driver) or the CUDA
            // runtime its JNI library links is missing; the innermost cause names the file.
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            String what = String.valueOf(root.getMessage());
            String kind = what.contains("libcuda.so")
                    ? "no CUDA driver: libcuda.so.1 could not be loaded"
                    : "the CUDA libraries could not be loaded";
            return new Unavailable(kind + " (" + root.getClass().getSimpleName() + ": " + what + ")");
        }
        byte[] image;
        try {
            image = fatbin();
        } catch (IOException e) {
            return new Unavailable("cannot read the kernels: " + e);
        }
        if (image == null) {
            return new Unavailable(FATBIN.substring(1)
                    + " is not in this build of inferwire (built without nvcc; see cmake/build-native.sh)");
        }
        try {
            return new Ready(Cuda.open(image));
        } catch (CudaException e) {
            return new Unavailable(e.getMessage());
        } catch (LinkageError e) {
            return new Unavailable("JavaCPP's CUDA presets failed to link: " + e);
        }
    }

    private static byte[] fatbin() throws IOException {
        String file = System.getProperty(FATBIN_PROPERTY);
        if (file != null && !file.isBlank()) {
            return Files.readAllBytes(Path.of(file.trim()));
        }
        try (InputStream in = CudaLoader.class.getResourceAsStream(FATBIN)) {
            return in == null ? null : in.readAllBytes();
        }
    }
}
