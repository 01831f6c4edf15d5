package io.inferwire.transform.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.inferwire.CorruptFrameException;
import io.inferwire.memory.internal.Checks;
import io.inferwire.transform.Backend;
import io.inferwire.transform.QuantParams;
import io.inferwire.transform.UnavailableBackend;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * The {@code native-host} backend: the C host build of the transform kernels
 * ({@code src/main/native/inferwire_host.c}, the same math header as the CUDA kernels),
 * called through FFM downcalls on the caller's segments. It exists so that the native
 * math is held to the scalar reference on every machine, GPU or not, and so a JVM can
 * share one implementation with a native runtime.
 *
 * <p>The library is {@code libinferwire_host.so} from {@code -D}{@value #LIBRARY_PROPERTY}
 * when set, else from this jar ({@value #RESOURCE}, extracted once to a temporary file
 * deleted on exit). The native code gets addresses, so every segment must be native
 * ({@link IllegalArgumentException} for a heap segment) and every range is checked here,
 * as for the scalar reference, before the call; the C side checks the sizes again.
 */
public final class NativeHost implements Backend {

    /** The backend's name. */
    public static final String NAME = "native-host";

    /** The system property naming a {@code libinferwire_host.so} to load instead of the jar's. */
    public static final String LIBRARY_PROPERTY = "inferwire.native.lib";

    /** Where the build puts the library in the jar. */
    public static final String RESOURCE = "/native/linux-x86_64/libinferwire_host.so";

    private static final int ABI_VERSION = 1;
    private static final long E_ARG = -1;
    private static final long E_SHORT = -2;
    private static final long E_CORRUPT = -3;

    private final String version;
    private final MethodHandle xorSplit;
    private final MethodHandle xorMerge;
    private final MethodHandle quantize;
    private final MethodHandle dequantize;
    private final MethodHandle pack;
    private final MethodHandle unpack;

    // Binding a library is what FFM restricts: the module declares native access
    // (--enable-native-access, the jar's Enable-Native-Access), and the calls below are
    // made safe by checking every range before them.
    @SuppressWarnings("restricted")
    private NativeHost(SymbolLookup lib) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle abi = linker.downcallHandle(find(lib, "iw_abi_version"), FunctionDescriptor.of(JAVA_INT));
        int abiVersion = (int) abi.invokeExact();
        if (abiVersion != ABI_VERSION) {
            throw new IllegalStateException(
                    "the library speaks native ABI " + abiVersion + ", this inferwire needs " + ABI_VERSION);
        }
        MethodHandle ver = linker.downcallHandle(find(lib, "iw_version"), FunctionDescriptor.of(ADDRESS));
        version = ((MemorySegment) ver.invokeExact()).reinterpret(256).getString(0);
        FunctionDescriptor xor = FunctionDescriptor.of(
                JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG);
        xorSplit = linker.downcallHandle(find(lib, "iw_xor_split"), xor);
        xorMerge = linker.downcallHandle(find(lib, "iw_xor_merge"), xor);
        quantize = linker.downcallHandle(
                find(lib, "iw_quantize"),
                FunctionDescriptor.of(
                        JAVA_LONG,
                        ADDRESS,
                        JAVA_LONG,
                        ADDRESS,
                        JAVA_LONG,
                        JAVA_INT,
                        JAVA_FLOAT,
                        JAVA_FLOAT,
                        JAVA_FLOAT,
                        ADDRESS,
                        JAVA_LONG,
                        ADDRESS,
                        JAVA_LONG,
                        JAVA_LONG));
        dequantize = linker.downcallHandle(
                find(lib, "iw_dequantize"),
                FunctionDescriptor.of(
                        JAVA_LONG,
                        ADDRESS,
                        JAVA_LONG,
                        ADDRESS,
                        JAVA_LONG,
                        JAVA_INT,
                        JAVA_FLOAT,
                        ADDRESS,
                        JAVA_LONG,
                        JAVA_LONG));
        FunctionDescriptor packing =
                FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG);
        pack = linker.downcallHandle(find(lib, "iw_pack"), packing);
        unpack = linker.downcallHandle(find(lib, "iw_unpack"), packing);
    }

    private static MemorySegment find(SymbolLookup lib, String symbol) {
        return lib.find(symbol).orElseThrow(() -> new IllegalStateException("the library has no symbol " + symbol));
    }

    /**
     * Loads the library, binds it and self-tests it against the scalar reference; when
     * any of that fails, an {@link UnavailableBackend} that says why. Call once (the
     * factory caches it): each call loads the library again.
     */
    @SuppressWarnings("restricted") // SymbolLookup.libraryLookup: see the constructor
    public static Backend load() {
        Path path;
        String configured = System.getProperty(LIBRARY_PROPERTY);
        try {
            if (configured != null && !configured.isBlank()) {
                path = Path.of(configured.trim());
                if (!Files.isRegularFile(path)) {
                    return unavailable("-D" + LIBRARY_PROPERTY + "=" + configured + " is not a file");
                }
            } else {
                String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
                String arch = System.getProperty("os.arch", "");
                if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
                    return unavailable("the jar carries the library for linux-x86_64 only, this is " + os + "-" + arch);
                }
                path = extract();
                if (path == null) {
                    return unavailable(RESOURCE.substring(1) + " is not in this build of inferwire"
                            + " (built without cmake or a C compiler; see cmake/build-native.sh)");
                }
            }
        } catch (IOException e) {
            return unavailable("cannot extract the library: " + e);
        }
        NativeHost b;
        try {
            b = new NativeHost(SymbolLookup.libraryLookup(path, Arena.global()));
        } catch (IllegalArgumentException | IllegalCallerException | IllegalStateException | LinkageError e) {
            return unavailable("cannot load " + path + ": " + e.getMessage());
        } catch (Throwable e) {
            return unavailable("cannot bind " + path + ": " + e);
        }
        String failed = SelfTest.run(b);
        return failed == null ? b : unavailable(b.version + " failed its self-test: " + failed);
    }

    private static Backend unavailable(String why) {
        return new UnavailableBackend(NAME, why);
    }

    private static Path extract() throws IOException {
        try (InputStream in = NativeHost.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return null;
            }
            Path file = Files.createTempFile("libinferwire_host", ".so");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        }
    }

    /** What the library says it is ({@code iw_version()}). */
    public String version() {
        return version;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String toString() {
        return NAME;
    }

    /** The checked range of a native segment, as an address the C side may use. */
    private static MemorySegment at(MemorySegment s, long off, long len, String what) {
        if (!s.isNative()) {
            throw new IllegalArgumentException(
                    "backend " + NAME + " needs native segments (FFM addresses): " + what + " is a heap segment");
        }
        Checks.checkRange(s, off, len);
        return s.asSlice(off, len);
    }

    /** Checks a native call's status where it returns; the message names the call. */
    private static long check(long rc, String call) {
        if (rc >= 0) {
            return rc;
        }
        if (rc == E_SHORT) {
            throw new IndexOutOfBoundsException(call + ": a buffer is shorter than the count needs");
        }
        if (rc == E_ARG) {
            throw new IllegalArgumentException(call + ": invalid argument");
        }
        throw new IllegalStateException(call + " returned " + rc);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
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
        long len = 4L * n;
        MemorySegment xs = at(x, xOff, len, "x");
        MemorySegment rs = hasRef ? at(ref, refOff, len, "ref") : MemorySegment.NULL;
        MemorySegment ps = at(planes, planesOff, len, "planes");
        if (n == 0) {
            return;
        }
        try {
            check(
                    (long) xorSplit.invokeExact(xs, len, rs, hasRef ? len : 0L, hasRef ? 1 : 0, ps, len, (long) n),
                    "iw_xor_split");
        } catch (Throwable t) {
            throw rethrow(t);
        }
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
        long len = 4L * n;
        MemorySegment ps = at(planes, planesOff, len, "planes");
        MemorySegment rs = hasRef ? at(ref, refOff, len, "ref") : MemorySegment.NULL;
        MemorySegment os = at(out, outOff, len, "out");
        if (n == 0) {
            return;
        }
        try {
            check(
                    (long) xorMerge.invokeExact(ps, len, rs, hasRef ? len : 0L, hasRef ? 1 : 0, os, len, (long) n),
                    "iw_xor_merge");
        } catch (Throwable t) {
            throw rethrow(t);
        }
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
        long len = 4L * n;
        MemorySegment xs = at(x, xOff, len, "x");
        MemorySegment rs = intra ? MemorySegment.NULL : at(prev, prevOff, len, "prev");
        MemorySegment zs = at(z, zOff, len, "z");
        MemorySegment ns = at(next, nextOff, len, "next");
        float step = p.step();
        float inverse = p.inverse();
        float accept = p.accept();
        if (n == 0) {
            return 0;
        }
        try {
            return (int) check(
                    (long) quantize.invokeExact(
                            xs,
                            len,
                            rs,
                            intra ? 0L : len,
                            intra ? 1 : 0,
                            step,
                            inverse,
                            accept,
                            zs,
                            len,
                            ns,
                            len,
                            (long) n),
                    "iw_quantize");
        } catch (Throwable t) {
            throw rethrow(t);
        }
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
        long len = 4L * n;
        MemorySegment zs = at(z, zOff, len, "z");
        MemorySegment rs = intra ? MemorySegment.NULL : at(prev, prevOff, len, "prev");
        MemorySegment ns = at(next, nextOff, len, "next");
        float step = p.step();
        if (n == 0) {
            return;
        }
        try {
            check(
                    (long) dequantize.invokeExact(
                            zs, len, rs, intra ? 0L : len, intra ? 1 : 0, step, ns, len, (long) n),
                    "iw_dequantize");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Writes at most up to the end of {@code out}; {@link IndexOutOfBoundsException} when
     * the packed codes do not fit there, {@link IllegalArgumentException} for a code of
     * {@code 2^24} or more (outside the specification; the scalar reference packs it wider).
     */
    @Override
    public int pack(MemorySegment z, long zOff, int n, MemorySegment out, long outOff) {
        long len = 4L * n;
        MemorySegment zs = at(z, zOff, len, "z");
        Checks.checkRange(out, outOff, 0);
        MemorySegment os = at(out, outOff, out.byteSize() - outOff, "out");
        if (n == 0) {
            return 0;
        }
        try {
            return Math.toIntExact(check((long) pack.invokeExact(zs, len, os, os.byteSize(), (long) n), "iw_pack"));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int unpack(MemorySegment in, long inOff, long length, MemorySegment z, long zOff, int n)
            throws CorruptFrameException {
        long len = 4L * n;
        MemorySegment is = at(in, inOff, length, "in");
        MemorySegment zs = at(z, zOff, len, "z");
        if (n == 0) {
            return 0;
        }
        long rc;
        try {
            rc = (long) unpack.invokeExact(is, length, zs, len, (long) n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc == E_CORRUPT) {
            throw new CorruptFrameException("packed residuals: " + length + " bytes do not hold " + n
                    + " values in blocks of width 0..24 (iw_unpack)");
        }
        return Math.toIntExact(check(rc, "iw_unpack"));
    }
}
