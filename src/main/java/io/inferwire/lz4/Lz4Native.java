package io.inferwire.lz4;

import net.jpountz.lz4.LZ4Factory;

/**
 * The JNI (native) lz4-java factories, loaded once. There is no silent fallback to
 * lz4-java's pure-Java implementations: if the native library cannot load, the first
 * use fails with an error that says why.
 */
final class Lz4Native {

    private Lz4Native() {}

    private static final class Holder {
        static final LZ4Factory LZ4;

        static {
            try {
                LZ4 = LZ4Factory.nativeInstance();
            } catch (Throwable t) {
                throw new ExceptionInInitializerError(
                        new UnsatisfiedLinkError("lz4-java's native library could not be loaded on "
                                + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + ": " + t));
            }
        }
    }

    static LZ4Factory factory() {
        return Holder.LZ4;
    }
}
