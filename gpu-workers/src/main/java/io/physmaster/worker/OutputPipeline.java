package io.physmaster.worker;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Stores and publishes finished videos on one background thread while the next batch samples: encoding the
 * MP4 and contact sheet costs about as much CPU as sampling, and the two overlap instead of adding up. Tasks run
 * in submission order. {@link #awaitAll} is the barrier before a poll's offsets are committed: it returns once
 * every task has finished and rethrows the first failure, so nothing is committed that is not durable.
 */
public final class OutputPipeline implements AutoCloseable {

    private final ExecutorService thread;
    private final List<Future<?>> pending = new ArrayList<>();

    public OutputPipeline(String name) {
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues a task (store a video, publish its record, ...) behind the ones already queued. */
    public void submit(Runnable task) {
        pending.add(thread.submit(task));
    }

    /** Waits for every queued task; throws the first failure (as an unchecked exception) after all have ended. */
    public void awaitAll() {
        RuntimeException first = null;
        for (Future<?> f : pending) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (first == null) {
                    first = e.getCause() instanceof RuntimeException re ? re
                            : new IllegalStateException(e.getCause().getMessage(), e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (first == null) {
                    first = new IllegalStateException("interrupted while waiting for outputs to be stored", e);
                }
            }
        }
        pending.clear();
        if (first != null) {
            throw first;
        }
    }

    @Override
    public void close() {
        thread.shutdown();
    }
}
