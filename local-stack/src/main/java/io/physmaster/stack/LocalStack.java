package io.physmaster.stack;

import io.physmaster.role.ConnectionSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded stack: a KRaft Kafka broker (or a cluster of them), the schema registry, and our topics. Start it, hand
 * {@link #clientConfigs()} to producers, consumers and Streams apps, and close it to stop both servers.
 */
public final class LocalStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalStack.class);

    private final KafkaCluster kafka;
    private final EmbeddedSchemaRegistry registry;
    private final Path dataDir;
    private final boolean deleteDataDir;

    private LocalStack(KafkaCluster kafka, EmbeddedSchemaRegistry registry, Path dataDir, boolean deleteDataDir) {
        this.kafka = kafka;
        this.registry = registry;
        this.dataDir = dataDir;
        this.deleteDataDir = deleteDataDir;
    }

    public static LocalStack start(LocalStackConfig config) throws IOException, InterruptedException {
        boolean temp = config.dataDir() == null;
        Path dir = temp ? Files.createTempDirectory("physmaster-stack-") : config.dataDir().toAbsolutePath();
        Files.createDirectories(dir);
        long t0 = System.nanoTime();
        // Registry first: it is the one that can fail for a missing build, and it starts in ~2 s.
        EmbeddedSchemaRegistry registry = config.withRegistry()
                ? EmbeddedSchemaRegistry.start(dir, config.registryPort(), config.startTimeout()) : null;
        KafkaCluster kafka;
        try {
            kafka = KafkaCluster.start(dir, config.brokers(), config.kafkaPort(), config.startTimeout());
        } catch (IOException | RuntimeException | InterruptedException e) {
            if (registry != null) {
                registry.close();
            }
            throw e;
        }
        LocalStack stack = new LocalStack(kafka, registry, dir, temp);
        try {
            List<String> created = TopicProvisioner.ensureTopics(kafka.bootstrapServers(),
                    config.topicReplication());
            log.info("Created topics {} ({})", created, config.topicReplication());
        } catch (ExecutionException e) {
            stack.close();
            throw new IOException("Creating topics failed: " + e.getCause().getMessage(), e.getCause());
        }
        log.info("Local stack up in {} ms: kafka {} ({} broker{}) registry {}", (System.nanoTime() - t0) / 1_000_000,
                stack.bootstrapServers(), kafka.size(), kafka.size() == 1 ? "" : "s", stack.schemaRegistryUrl());
        return stack;
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** Confluent-API base URL of the registry (including /apis/ccompat/v7), or null if not started. */
    public String schemaRegistryUrl() {
        return registry == null ? null : registry.url();
    }

    /** bootstrap.servers and schema.registry.url, ready for any client config. */
    public Map<String, Object> clientConfigs() {
        return registry == null ? Map.of("bootstrap.servers", bootstrapServers())
                : Map.of("bootstrap.servers", bootstrapServers(), "schema.registry.url", schemaRegistryUrl());
    }

    /** Where this stack is, for roles and clients, with blobs stored under {@code blobStore}. */
    public ConnectionSettings connection(Path blobStore) {
        return new ConnectionSettings(bootstrapServers(), schemaRegistryUrl(), blobStore.toString(), Map.of());
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Process ids of the child JVMs (brokers in node order, then the registry), for checks that nothing is left. */
    public List<Long> pids() {
        List<Long> pids = new ArrayList<>(kafka.nodePids().values());
        if (registry != null) {
            pids.add(registry.pid());
        }
        return List.copyOf(pids);
    }

    /** Kafka node id to the process id of its JVM: which process to kill to take a partition's leader down. */
    public Map<Integer, Long> brokerPids() {
        return kafka.nodePids();
    }

    @Override
    public void close() {
        kafka.close();
        if (registry != null) {
            registry.close();
        }
        if (deleteDataDir) {
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                log.warn("Could not delete {}: {}", dataDir, e.getMessage());
            }
        }
    }
}
