package io.physmaster.stack;

import io.physmaster.topics.Replication;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code physmaster-stack}: runs the local stack until Ctrl-C. */
@Command(name = "physmaster-stack", mixinStandardHelpOptions = true,
        description = "Start a real KRaft Kafka broker (or a cluster: --brokers 3) and the schema registry on "
                + "loopback, create the topics, and keep them up until Ctrl-C. PHYSMASTER_REPLICATION_FACTOR and "
                + "PHYSMASTER_MIN_INSYNC_REPLICAS override the topics' replication.")
public final class LocalStackMain implements Callable<Integer> {

    @Option(names = "--kafka-port", defaultValue = "9092", description = "Broker port on 127.0.0.1; a cluster's "
            + "brokers take it and the next ones; 0 = any free ports (default: ${DEFAULT-VALUE})")
    int kafkaPort;
    @Option(names = "--brokers", defaultValue = "1", paramLabel = "N", description = "Kafka nodes, each its own JVM "
            + "(KRaft broker and controller); 3 gives a replicated cluster: topics with 3 replicas, 2 in sync "
            + "(default: ${DEFAULT-VALUE})")
    int brokers;
    @Option(names = "--registry-port", defaultValue = "8081",
            description = "Registry port on 127.0.0.1; 0 = any free port (default: ${DEFAULT-VALUE})")
    int registryPort;
    @Option(names = "--data-dir", defaultValue = "run/stack", paramLabel = "DIR", description = "Broker data, the "
            + "registry's database and their logs, kept across restarts (default: ${DEFAULT-VALUE})")
    Path dataDir;
    @Option(names = "--secured", description = "Secured profile, on one broker or a cluster: clients authenticate "
            + "with SCRAM-SHA-512 over TLS (a CA made on first start), brokers and controllers with mutual TLS, one "
            + "principal per role with least-privilege ACLs, and the registry takes only a role's HTTP basic "
            + "credentials; each role's client config (Kafka and registry) is written to "
            + "<data dir>/security/<role>.properties (use it with PHYSMASTER_KAFKA_CONFIG)")
    boolean secured;
    @Override
    public Integer call() throws Exception {
        LocalStackConfig config = new LocalStackConfig(dataDir, kafkaPort, registryPort, true,
                Duration.ofSeconds(120)).withBrokers(brokers);
        config = config.withReplication(Replication.fromEnv(System.getenv(), brokers));
        LocalStack stack = LocalStack.start(config, secured);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Stopping the local stack ...");
            stack.close();
            System.out.println("Stopped.");
            stopped.countDown();
        }, "stack-shutdown"));
        System.out.println("Kafka bootstrap servers: " + stack.bootstrapServers()
                + (brokers > 1 ? " (" + brokers + " brokers)" : ""));
        System.out.println("Topics:                  " + config.topicReplication());
        System.out.println("Schema registry:         " + stack.schemaRegistryUrl());
        System.out.println("Data and logs:           " + stack.dataDir());
        if (secured) {
            System.out.println("Secured (SASL_SSL, SCRAM-SHA-512; registry: HTTP basic auth). Role client configs "
                    + "(Kafka and registry credentials), owner-only:");
            for (String role : RoleAcls.ROLES) {
                System.out.println("  " + role + ": PHYSMASTER_KAFKA_CONFIG=" + stack.security().clientConfigFile(role));
            }
        }
        System.out.println("PhysMaster local stack is ready. Press Ctrl-C to stop.");
        stopped.await();
        return 0;
    }

    public static void main(String[] args) {
        int code = new CommandLine(new LocalStackMain()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
