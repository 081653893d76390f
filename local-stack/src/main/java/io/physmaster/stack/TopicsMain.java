package io.physmaster.stack;

import io.physmaster.role.ConnectionOptions;
import io.physmaster.role.ConnectionSettings;
import io.physmaster.topics.Replication;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code physmaster topics}: prepares an existing cluster (docker-compose, production): creates every topic
 * from io.physmaster.topics.Topics and sets the registry's compatibility to BACKWARD, globally and on each
 * topic's subject. Idempotent.
 */
@Command(name = "topics", mixinStandardHelpOptions = true,
        description = "Create PhysMaster's topics on a cluster and set BACKWARD schema compatibility.")
public final class TopicsMain implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;
    @Option(names = "--replication-factor", paramLabel = "N", description = "Replicas of each topic (default: "
            + Replication.ENV_FACTOR + " when set, else 1 on one broker and 3 on a cluster of three or more)")
    Short replication;
    @Option(names = "--min-insync-replicas", paramLabel = "N", description = "Replicas that must have a write "
            + "before producers (acks=all) get their acknowledgement (default: " + Replication.ENV_MIN_INSYNC
            + " when set, else 2 from a factor of 3 on, else 1)")
    Integer minInsync;

    @Override
    public Integer call() throws Exception {
        ConnectionSettings c = connection.settings();
        Map<String, String> env = new HashMap<>(System.getenv());
        if (replication != null) {
            env.put(Replication.ENV_FACTOR, replication.toString());
        }
        if (minInsync != null) {
            env.put(Replication.ENV_MIN_INSYNC, minInsync.toString());
        }
        Replication r = Replication.fromEnv(env, TopicProvisioner.brokers(c.bootstrapServers()));
        List<String> created = TopicProvisioner.ensureTopics(c.bootstrapServers(), r);
        System.out.println(created.isEmpty() ? "all topics exist" : "created " + created + " (" + r + ")");
        List<String> subjects;
        try (var client = c.registry()) {
            subjects = TopicProvisioner.ensureCompatibility(client);
        }
        System.out.println("registry compatibility: " + TopicProvisioner.COMPATIBILITY + " (global and "
                + subjects.size() + " subjects)");
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new TopicsMain()).execute(args));
    }
}
