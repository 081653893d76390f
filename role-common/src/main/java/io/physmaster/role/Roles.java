package io.physmaster.role;

import java.util.concurrent.CountDownLatch;

/** How a role's process runs: in the foreground until SIGTERM or Ctrl-C, which ends it cleanly. */
public final class Roles {

    /** A long-running role: {@code run} returns after {@code stop} is called; {@code close} frees it. */
    public interface Role extends Runnable, AutoCloseable {
        void stop();
    }

    /**
     * Runs the role on this thread. On SIGTERM the hook asks it to stop, waits until {@code run} has returned
     * (the work in hand finished and committed), and closes it; the process then exits.
     */
    public static void runUntilShutdown(Role role, String name) throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            role.stop();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            role.run();
        } finally {
            try {
                role.close();
            } finally {
                done.countDown();
            }
        }
    }

    /** Waits before a retry; an interrupt ends the wait early and stays set for the caller's loop to see. */
    public static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Roles() {
    }
}
