package io.physmaster.model;

import java.util.concurrent.locks.ReentrantLock;

/**
 * One model computation at a time in a process that hosts several roles (the all-in-one demo: worker, trainer,
 * gate and report share one JVM and one libtorch). Each holder is a short unit of work, an Euler step or a
 * Flow-DPO step, so their native working sets (activations, autograd graphs, allocator caches) no longer pile up
 * when they happen to coincide: the demo's resident memory peaked at 5.3 GB with them overlapping
 * (docs/results/soak.md). On a machine of a few cores they ran on the same cores anyway, so little throughput is
 * lost; a process with one role (the services) leaves it off and pays nothing.
 * <p>
 * Off by default; on with {@code -Dphysmaster.compute.exclusive=true} or {@link #exclusive(boolean)}. Fair and
 * reentrant: waiting holders go in arrival order, and a holder may call code that holds it again.
 */
public final class ComputeLock {

    /** Released by closing; a no-op when the lock is off. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    private static final ReentrantLock LOCK = new ReentrantLock(true);
    private static final Held NOTHING = () -> { };
    private static final Held RELEASE = LOCK::unlock;
    private static volatile boolean exclusive = Boolean.getBoolean("physmaster.compute.exclusive");

    private ComputeLock() {
    }

    /** Turns one-at-a-time model computation on or off for this process. */
    public static void exclusive(boolean on) {
        exclusive = on;
    }

    public static boolean exclusive() {
        return exclusive;
    }

    /** Waits for the lock when it is on; use in try-with-resources around one unit of model work. */
    public static Held hold() {
        if (!exclusive) {
            return NOTHING;
        }
        LOCK.lock();
        return RELEASE;
    }

    /** Whether the calling thread holds the lock (for tests). */
    static boolean heldByCurrentThread() {
        return LOCK.isHeldByCurrentThread();
    }
}
