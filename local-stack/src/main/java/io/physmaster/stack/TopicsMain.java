package io.physmaster.stack;

import io.physmaster.role.ConnectionOptions;
import io.physmaster.role.ConnectionSettings;
import java.util.List;
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
    @Option(names = "--replication-factor", defaultValue = "1",
            description = "Replicas of each topic (default: ${DEFAULT-VALUE})")
    short replication;

    @Override
    public Integer call() throws Exception {
        ConnectionSettings c = connection.settings();
        List<String> created = TopicProvisioner.ensureTopics(c.bootstrapServers(), replication);
        System.out.println(created.isEmpty() ? "all topics exist" : "created " + created);
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
