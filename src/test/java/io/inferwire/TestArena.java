package io.inferwire;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A shared arena that counts what is allocated from it and registers itself until
 * closed, so that {@link LeakCheck} can fail a test that leaves one open and tests can
 * assert how much a reader allocated for a given input.
 */
public final class TestArena implements Arena {

    static final Set<TestArena> OPEN = ConcurrentHashMap.newKeySet();

    private final Arena delegate = Arena.ofShared();
    private final AtomicLong allocated = new AtomicLong();
    private final AtomicLong largest = new AtomicLong();
    private final String owner;

    private TestArena(String owner) {
        this.owner = owner;
    }

    /** Opens a counting arena; close it before the test ends. */
    public static TestArena open() {
        StackTraceElement caller = StackWalker.getInstance()
                .walk(s -> s.skip(1).findFirst())
                .map(f -> f.toStackTraceElement())
                .orElseThrow();
        TestArena a = new TestArena(caller.toString());
        OPEN.add(a);
        return a;
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        allocated.addAndGet(byteSize);
        largest.accumulateAndGet(byteSize, Math::max);
        return delegate.allocate(byteSize, byteAlignment);
    }

    @Override
    public MemorySegment.Scope scope() {
        return delegate.scope();
    }

    @Override
    public void close() {
        OPEN.remove(this);
        delegate.close();
    }

    /** Total bytes allocated so far. */
    public long allocated() {
        return allocated.get();
    }

    /** The largest single allocation so far. */
    public long largest() {
        return largest.get();
    }

    @Override
    public String toString() {
        return "TestArena opened at " + owner;
    }
}
