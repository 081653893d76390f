package io.physmaster.stack;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A second, separate stack: starts on a given data dir, restarts on it, and leaves no process behind. */
class LocalStackLifecycleIT {

    @TempDir
    Path dir;

    @Test
    void restartsOnItsDataAndStopsCleanly() throws Exception {
        LocalStackConfig config = new LocalStackConfig(dir, 0, 0, false, Duration.ofSeconds(120));
        List<Long> pids;
        try (LocalStack stack = LocalStack.start(config)) {
            pids = stack.pids();
        }
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " left");
        }
        assertTrue(Files.exists(dir.resolve("kafka-data/meta.properties")), "storage formatted once");
        try (LocalStack again = LocalStack.start(config);
             Admin admin = Admin.create(Map.of("bootstrap.servers", again.bootstrapServers()))) {
            assertTrue(admin.listTopics().names().get().contains(io.physmaster.topics.Topics.ENCODER_VERSIONS.name()));
        }
    }
}
