package io.physmaster.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ComputeLockTest {

    @AfterEach
    void off() {
        ComputeLock.exclusive(false);
    }

    @Test
    void offItHoldsNothing() {
        ComputeLock.exclusive(false);
        try (ComputeLock.Held h = ComputeLock.hold()) {
            assertFalse(ComputeLock.heldByCurrentThread());
        }
    }

    @Test
    void onTwoThreadsNeverComputeAtOnceAndAHolderMayHoldAgain() throws Exception {
        ComputeLock.exclusive(true);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        Runnable work = () -> {
            try {
                start.await();
                for (int i = 0; i < 200; i++) {
                    try (ComputeLock.Held outer = ComputeLock.hold(); ComputeLock.Held inner = ComputeLock.hold()) {
                        most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        Thread.onSpinWait();
                        inside.decrementAndGet();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        Thread a = new Thread(work);
        Thread b = new Thread(work);
        a.start();
        b.start();
        start.countDown();
        a.join(TimeUnit.SECONDS.toMillis(30));
        b.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(a.isAlive() || b.isAlive(), "both threads finished (no deadlock on reentry)");
        assertEquals(1, most.get(), "at most one holder at a time");
        assertFalse(ComputeLock.heldByCurrentThread());
        try (ComputeLock.Held h = ComputeLock.hold()) {
            assertTrue(ComputeLock.heldByCurrentThread());
        }
        assertFalse(ComputeLock.heldByCurrentThread(), "released on close");
    }
}
