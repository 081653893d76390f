package io.physmaster.faults;

import io.physmaster.blob.LocalBlobStore;
import io.physmaster.serde.SchemaRegistryClient;
import io.physmaster.stack.LocalStack;
import io.physmaster.stack.LocalStackConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A 3-node KRaft cluster (3 replicas, 2 in sync) with the registry, a blob store, the tiny model and the suite's
 * producer, for the role-failover scenarios: each starts its own copies of one role as child JVMs here and stops
 * the cluster when done (they run before the suite's shared single-broker stack starts).
 */
final class ClusterRoles implements AutoCloseable {

    final Path dir;
    final Path logs;
    final Path blobs;
    final Path model;
    final LocalBlobStore store;
    final LocalStack stack;
    final SchemaRegistryClient registry;
    final Records records;
    final Groups groups;
    final Figures figures;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    ClusterRoles(String name) throws Exception {
        dir = Path.of("target", name).toAbsolutePath();
        Files.createDirectories(dir);
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.apache.kafka"))
                .setLevel(ch.qos.logback.classic.Level.ERROR); // a role dies on purpose: no connection warnings
        logs = Files.createDirectories(dir.resolve("logs-" + ProcessHandle.current().pid()));
        blobs = Files.createDirectories(dir.resolve("blobs-" + ProcessHandle.current().pid()));
        model = dir.resolve("model-" + ProcessHandle.current().pid() + "/tiny.pmck");
        TinyModel.write(model, model.resolveSibling("outside-head.pmck"));
        store = new LocalBlobStore(blobs);
        figures = new Figures(dir.resolve("failover.md"));
        stack = LocalStack.start(new LocalStackConfig(Files.createTempDirectory(dir, "stack-"), 0, 0, true,
                Duration.ofSeconds(300)).withBrokers(3));
        closeables.add(stack);
        registry = stack.connection(blobs).registry();
        closeables.add(registry::close);
        records = add(new Records(stack.bootstrapServers(), registry));
        groups = add(new Groups(stack.bootstrapServers()));
    }

    /** A follower of one topic from its beginning (read_committed), closed with the cluster. */
    <T> Tail<T> tail(String topic, Class<T> type) {
        return add(new Tail<>(stack.bootstrapServers(), registry, topic, type));
    }

    /** The suite's role environment (as {@link FaultStack.Fixture#env}) pointed at the cluster. */
    Map<String, String> env(String id) {
        return FaultStack.roleEnv(stack, blobs, model, id);
    }

    /** Starts a role's main as a child JVM; it is killed when the cluster closes. */
    RoleProcess role(String name, int heapMb, String main, List<String> args, Map<String, String> env)
            throws Exception {
        return add(RoleProcess.start(name, heapMb, main, args, env, logs));
    }

    /** Seconds since {@code t0} (nanoTime). */
    static double since(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private <T extends AutoCloseable> T add(T c) {
        closeables.add(c);
        return c;
    }

    @Override
    public void close() {
        FaultStack.closeInReverse(closeables, dir.getFileName().toString());
    }
}
