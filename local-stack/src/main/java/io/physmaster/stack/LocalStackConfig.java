package io.physmaster.stack;

import io.physmaster.topics.Replication;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How to start the local stack.
 *
 * @param dataDir       broker data, registry database and logs; null for a temp dir deleted on close
 * @param kafkaPort     broker port on 127.0.0.1 (0 = any free port); a cluster's brokers take it and the next ones
 * @param registryPort  registry HTTP port on 127.0.0.1 (0 = any free port)
 * @param withRegistry  start the schema registry too
 * @param startTimeout  how long each server may take to become ready
 * @param brokers       Kafka nodes (KRaft, each broker and controller in its own JVM)
 * @param replication   replication of our topics; null for the default of the cluster size (1/1, or 3/2)
 */
public record LocalStackConfig(Path dataDir, int kafkaPort, int registryPort, boolean withRegistry,
                               Duration startTimeout, int brokers, Replication replication) {

    public LocalStackConfig {
        if (brokers < 1) {
            throw new IllegalArgumentException("brokers must be at least 1, got " + brokers);
        }
        if (replication != null && replication.factor() > brokers) {
            throw new IllegalArgumentException("replication factor " + replication.factor() + " needs at least as "
                    + "many brokers, got " + brokers);
        }
    }

    /** One broker. */
    public LocalStackConfig(Path dataDir, int kafkaPort, int registryPort, boolean withRegistry,
                            Duration startTimeout) {
        this(dataDir, kafkaPort, registryPort, withRegistry, startTimeout, 1, null);
    }

    /** Free ports and a temp dir: what tests use. */
    public static LocalStackConfig ephemeral() {
        return new LocalStackConfig(null, 0, 0, true, Duration.ofSeconds(120));
    }

    /** The CLI defaults: the well-known ports, data under ./run/stack. */
    public static LocalStackConfig defaults() {
        return new LocalStackConfig(Path.of("run", "stack"), 9092, 8081, true, Duration.ofSeconds(120));
    }

    /** This config with a cluster of {@code n} brokers (and that cluster's default replication). */
    public LocalStackConfig withBrokers(int n) {
        return new LocalStackConfig(dataDir, kafkaPort, registryPort, withRegistry, startTimeout, n, null);
    }

    /** This config with an explicit replication of our topics. */
    public LocalStackConfig withReplication(Replication r) {
        return new LocalStackConfig(dataDir, kafkaPort, registryPort, withRegistry, startTimeout, brokers, r);
    }

    /** The replication our topics get. */
    public Replication topicReplication() {
        return replication != null ? replication : Replication.forBrokers(brokers);
    }
}
