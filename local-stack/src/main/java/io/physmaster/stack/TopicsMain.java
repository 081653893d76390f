package io.physmaster.stack;

import io.physmaster.serde.RegistryClientConfig;
import io.physmaster.serde.RestSchemaRegistryClient;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code physmaster topics}: prepares an existing cluster (docker-compose, production): creates every topic
 * from io.physmaster.topics.Topics and sets the registry's compatibility to BACKWARD, globally and on each
 * topic's subject. Idempotent.
 */
@Command(name = "topics", mixinStandardHelpOptions = true,
        description = "Create PhysMaster's topics on a cluster and set BACKWARD schema compatibility.")
public final class TopicsMain implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", description = "default $PHYSMASTER_BOOTSTRAP_SERVERS or localhost:9092")
    String bootstrap;
    @Option(names = "--registry", description = "default $PHYSMASTER_SCHEMA_REGISTRY_URL or http://localhost:8081/apis/ccompat/v7")
    String registry;
    @Option(names = "--replication-factor", defaultValue = "1") short replication;

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = System.getenv();
        String servers = bootstrap != null ? bootstrap : env.getOrDefault("PHYSMASTER_BOOTSTRAP_SERVERS", "localhost:9092");
        String url = registry != null ? registry
                : env.getOrDefault("PHYSMASTER_SCHEMA_REGISTRY_URL", "http://localhost:8081/apis/ccompat/v7");
        List<String> created = TopicProvisioner.ensureTopics(servers, replication);
        System.out.println(created.isEmpty() ? "all topics exist" : "created " + created);
        List<String> subjects;
        try (var client = new RestSchemaRegistryClient(RegistryClientConfig.from(Map.of(RegistryClientConfig.URL, url)))) {
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
