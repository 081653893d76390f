package io.physmaster.faults;

import io.physmaster.stack.LocalStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The embedded broker under kill -9 and restart. The local stack starts it as a child JVM from
 * {@code <dataDir>/server.properties} (fixed ports, KRaft storage in {@code <dataDir>/kafka-data}); a restart runs
 * the same broker main on the same file, so it comes back on the same address with the same log, exactly as an
 * operator restarting a crashed broker would.
 */
final class Broker implements AutoCloseable {

    private final LocalStack stack;
    private final Path logDir;
    private RoleProcess restarted;

    Broker(LocalStack stack, Path logDir) {
        this.stack = stack;
        this.logDir = logDir;
    }

    /** SIGKILL to whichever broker process runs now. */
    void kill() throws InterruptedException {
        if (restarted != null) {
            restarted.kill();
            return;
        }
        long pid = stack.pids().get(0); // the broker comes first
        ProcessHandle h = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("no broker " + pid));
        h.destroyForcibly();
        try {
            h.onExit().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the broker survived SIGKILL", e);
        }
    }

    /** Starts the broker again on the same config and data; returns once it answers (or throws). */
    void restart(Duration timeout) throws IOException, InterruptedException {
        Path config = stack.dataDir().resolve("server.properties");
        if (!Files.exists(config)) {
            throw new IllegalStateException("no broker config at " + config);
        }
        if (restarted == null) {
            restarted = RoleProcess.start("kafka-broker", 768, "kafka.Kafka", List.of(config.toString()), Map.of(),
                    logDir);
        } else {
            restarted.start();
        }
        awaitReady(timeout);
    }

    void awaitReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000))) {
            while (System.nanoTime() < deadline) {
                if (restarted != null && !restarted.isAlive()) {
                    throw new IOException("the restarted broker exited:\n" + restarted.logTail(30));
                }
                try {
                    if (!admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException notYet) {
                    Thread.sleep(200);
                }
            }
        }
        throw new IOException("the broker did not come back within " + timeout);
    }

    /** Stops a restarted broker (the stack stops the original one). */
    @Override
    public void close() {
        if (restarted != null) {
            restarted.close();
        }
    }
}
