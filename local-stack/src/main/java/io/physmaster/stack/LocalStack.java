package io.physmaster.stack;

import io.physmaster.role.ConnectionSettings;
import io.physmaster.role.KafkaSecurity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
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
    private StackSecurity security;

    private LocalStack(KafkaCluster kafka, EmbeddedSchemaRegistry registry, Path dataDir, boolean deleteDataDir) {
        this.kafka = kafka;
        this.registry = registry;
        this.dataDir = dataDir;
        this.deleteDataDir = deleteDataDir;
    }

    public static LocalStack start(LocalStackConfig config) throws IOException, InterruptedException {
        return start(config, false);
    }

    /**
     * @param secured the secured profile ({@link StackSecurity}), on one broker or a cluster: TLS + SCRAM for
     *                clients, one principal per role with least-privilege ACLs, the registry behind HTTP basic auth;
     *                each role's client config is written under {@code <data dir>/security}
     */
    public static LocalStack start(LocalStackConfig config, boolean secured) throws IOException, InterruptedException {
        boolean temp = config.dataDir() == null;
        Path dir = temp ? Files.createTempDirectory("physmaster-stack-") : config.dataDir().toAbsolutePath();
        Files.createDirectories(dir);
        long t0 = System.nanoTime();
        StackSecurity security = secured ? StackSecurity.prepare(dir) : null;
        // Registry first: it is the one that can fail for a missing build, and it starts in ~2 s.
        EmbeddedSchemaRegistry registry = config.withRegistry() ? EmbeddedSchemaRegistry.start(dir,
                config.registryPort(), config.startTimeout(), security == null ? null : security.registryUsers())
                : null;
        KafkaCluster kafka;
        try {
            kafka = KafkaCluster.start(dir, config.brokers(), config.kafkaPort(), config.startTimeout(), security);
        } catch (IOException | RuntimeException | InterruptedException e) {
            if (registry != null) {
                registry.close();
            }
            throw e;
        }
        LocalStack stack = new LocalStack(kafka, registry, dir, temp);
        stack.security = security;
        try {
            List<String> created = TopicProvisioner.ensureTopics(kafka.adminConfig(), config.topicReplication());
            log.info("Created topics {} ({})", created, config.topicReplication());
            if (security != null) {
                try (Admin admin = Admin.create(kafka.adminConfig())) {
                    security.provision(admin);
                }
                security.awaitLogins(kafka.nodeAddresses(), config.startTimeout());
                for (String role : RoleAcls.ROLES) {
                    security.writeClientConfig(role, stack.bootstrapServers(), stack.schemaRegistryUrl());
                }
                log.info("Secured: SASL_SSL ({}) for roles {}, their client configs in {}", StackSecurity.MECHANISM,
                        RoleAcls.ROLES, security.clientConfigFile("worker").getParent());
            }
        } catch (ExecutionException e) {
            stack.close();
            throw new IOException("Creating topics failed: " + e.getCause().getMessage(), e.getCause());
        } catch (IOException | RuntimeException e) {
            stack.close();
            throw e;
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

    /** Admin settings of the stack's own provisioning (the brokers' certificate when secured): for tests. */
    Map<String, Object> adminConfig() throws IOException {
        return kafka.adminConfig();
    }

    /** bootstrap.servers and schema.registry.url, ready for any client config (without a secured stack's keys). */
    public Map<String, Object> clientConfigs() {
        return registry == null ? Map.of("bootstrap.servers", bootstrapServers())
                : Map.of("bootstrap.servers", bootstrapServers(), "schema.registry.url", schemaRegistryUrl());
    }

    /**
     * Where this stack is, for roles and clients, with blobs stored under {@code blobStore}. The trainer's
     * signing key lives in the stack's data directory (created on the trainer's first start), so every role
     * given these settings signs and verifies encoder versions with the same key.
     */
    public ConnectionSettings connection(Path blobStore) {
        return new ConnectionSettings(bootstrapServers(), schemaRegistryUrl(), blobStore.toString(),
                Map.of(ConnectionSettings.ENV_TRAINER_KEY, trainerKeyFile().toString()));
    }

    /**
     * {@link #connection(Path)} for one role of the secured profile: its Kafka client config (principal,
     * password, CA) and its registry credentials come from {@code <data dir>/security/<role>.properties}.
     */
    public ConnectionSettings connection(String role, Path blobStore) {
        if (security == null) {
            throw new IllegalStateException("this stack is not secured: start it with LocalStack.start(config, true)");
        }
        return connection(blobStore).withEnv(Map.of(KafkaSecurity.ENV_CONFIG,
                security.clientConfigFile(role).toString()));
    }

    /** The secured profile's files and settings, or null for a plaintext stack. */
    public StackSecurity security() {
        return security;
    }

    /** The trainer's private key file of this stack's roles (its public half is the same name + .pub). */
    public Path trainerKeyFile() {
        return dataDir.resolve("keys").resolve("trainer-ed25519.key");
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
