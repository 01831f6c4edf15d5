package io.inferwire;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registered for every test (service loader + autodetection): fails a test that leaves
 * a {@link TestArena} open. {@link #directBytes()} is for the soak-style leak tests:
 * GC-managed direct memory (ByteBuffer.allocateDirect, Arena.ofAuto), which the
 * library must never use.
 */
public final class LeakCheck implements BeforeEachCallback, AfterEachCallback {

    @Override
    public void beforeEach(ExtensionContext context) {
        TestArena.OPEN.clear();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<TestArena> open = new ArrayList<>(TestArena.OPEN);
        TestArena.OPEN.clear();
        for (TestArena a : open) {
            a.close();
        }
        if (!open.isEmpty()) {
            throw new AssertionError("test left " + open.size() + " arena(s) open: " + open);
        }
    }

    public static long directBytes() {
        for (BufferPoolMXBean p : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (p.getName().equals("direct")) {
                return p.getMemoryUsed();
            }
        }
        return 0;
    }
}
