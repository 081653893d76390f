package io.physmaster.stack;

import io.physmaster.topics.Replication;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * The stack's Kafka: one node as before (data directly under the data dir), or a KRaft cluster of {@code n} nodes,
 * each broker and controller in its own JVM on loopback with its own directory ({@code broker-<id>/}), broker port
 * and controller port. All nodes are voters of the controller quorum, so the cluster survives the loss of any
 * minority, the active controller included.
 */
final class KafkaCluster implements AutoCloseable {

    private final List<EmbeddedKafka> nodes;
    private final StackSecurity security;

    private KafkaCluster(List<EmbeddedKafka> nodes, StackSecurity security) {
        this.nodes = nodes;
        this.security = security;
    }

    /**
     * Starts {@code brokers} nodes; broker ports are {@code firstPort}, {@code firstPort + 1}, ... (any free ports
     * when 0). Returns once every node sees the whole cluster.
     */
    static KafkaCluster start(Path dataDir, int brokers, int firstPort, Duration timeout)
            throws IOException, InterruptedException {
        return start(dataDir, brokers, firstPort, timeout, null);
    }

    /**
     * @param security the secured profile ({@link StackSecurity}): every node gets the same CA-signed certificate
     *                 for its INTERNAL and CONTROLLER listeners (mutual TLS) and SCRAM over TLS for clients; null
     *                 for plaintext
     */
    static KafkaCluster start(Path dataDir, int brokers, int firstPort, Duration timeout, StackSecurity security)
            throws IOException, InterruptedException {
        if (brokers < 1) {
            throw new IllegalArgumentException("--brokers must be at least 1, got " + brokers);
        }
        if (brokers == 1) {
            return new KafkaCluster(List.of(EmbeddedKafka.start(dataDir, firstPort, timeout, security)), security);
        }
        int[] brokerPorts = new int[brokers];
        int[] controllerPorts = new int[brokers];
        List<String> voters = new ArrayList<>();
        for (int i = 0; i < brokers; i++) {
            brokerPorts[i] = firstPort == 0 ? Ports.free() : firstPort + i;
            if (firstPort != 0 && Ports.inUse(brokerPorts[i])) {
                throw new IOException("port " + brokerPorts[i] + " for broker " + (i + 1) + " is in use; pick "
                        + "another --kafka-port (brokers take it and the next " + (brokers - 1) + ")");
            }
            controllerPorts[i] = Ports.free();
            voters.add((i + 1) + "@127.0.0.1:" + controllerPorts[i]);
        }
        Replication replication = Replication.forBrokers(brokers);
        String clusterId = Uuid.randomUuid().toString(); // used only by nodes not formatted yet
        List<EmbeddedKafka> started = java.util.Collections.synchronizedList(new ArrayList<>());
        KafkaCluster cluster = new KafkaCluster(started, security);
        // Nodes format and start side by side: one after the other, each JVM's start-up adds up on a busy machine.
        ExecutorService launcher = Executors.newFixedThreadPool(brokers);
        try {
            List<Future<EmbeddedKafka>> launched = new ArrayList<>();
            for (int i = 0; i < brokers; i++) {
                int id = i + 1;
                int brokerPort = brokerPorts[i];
                int controllerPort = controllerPorts[i];
                launched.add(launcher.submit(() -> {
                    EmbeddedKafka node = EmbeddedKafka.launch(dataDir.resolve("broker-" + id), id, brokerPort,
                            controllerPort, String.join(",", voters), replication, clusterId, timeout, security);
                    started.add(node);
                    return node;
                }));
            }
            for (Future<EmbeddedKafka> f : launched) {
                f.get().awaitReady(brokers, timeout);
            }
        } catch (ExecutionException e) {
            cluster.close();
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause().getMessage(), e.getCause());
        } catch (IOException | RuntimeException | InterruptedException e) {
            cluster.close();
            throw e;
        } finally {
            launcher.shutdownNow();
        }
        return cluster;
    }

    /** Every node's address, comma-separated: a client needs any one of them. */
    String bootstrapServers() {
        return nodes.stream().map(EmbeddedKafka::bootstrapServers).collect(Collectors.joining(","));
    }

    /** Admin client settings for the stack's provisioning: one node's (secured or not), or every node's address. */
    Map<String, Object> adminConfig() throws IOException {
        if (nodes.size() == 1) {
            return nodes.get(0).adminConfig();
        }
        return security != null
                ? security.adminConfig(nodes.stream().map(EmbeddedKafka::internalBootstrap).collect(Collectors.joining(",")))
                : Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    }

    /** Each node's client address (SCRAM over TLS when secured), in node order. */
    List<String> nodeAddresses() {
        return List.copyOf(nodes).stream().sorted(java.util.Comparator.comparingInt(EmbeddedKafka::nodeId))
                .map(EmbeddedKafka::bootstrapServers).toList();
    }

    int size() {
        return nodes.size();
    }

    /** Node id to the process id of its JVM, in node order. */
    Map<Integer, Long> nodePids() {
        Map<Integer, Long> pids = new java.util.TreeMap<>();
        List.copyOf(nodes).forEach(n -> pids.put(n.nodeId(), n.pid()));
        return pids;
    }

    /** Stops every node at once: a cluster that loses its quorum one node at a time waits on each shutdown. */
    @Override
    public void close() {
        List.copyOf(nodes).parallelStream().forEach(EmbeddedKafka::close);
    }
}
