package io.physmaster.stack;

import io.physmaster.topics.Replication;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A real Kafka node (KRaft, broker and controller in one process) from the kafka_2.13 artifacts, run as a child
 * JVM on loopback: the whole cluster on its own, or one node of a {@link KafkaCluster}. Storage is formatted on
 * first start and reused afterwards.
 */
final class EmbeddedKafka implements AutoCloseable {

    private final ChildJvm jvm;
    private final String bootstrapServers;
    private final StackSecurity security;
    /** The secured profile's INTERNAL listener (mutual TLS), 0 when plaintext. */
    private final int internalPort;

    private final int nodeId;

    private EmbeddedKafka(ChildJvm jvm, String bootstrapServers, int nodeId, StackSecurity security,
                          int internalPort) {
        this.jvm = jvm;
        this.bootstrapServers = bootstrapServers;
        this.nodeId = nodeId;
        this.security = security;
        this.internalPort = internalPort;
    }

    /** One broker: broker and controller in one process, data directly under {@code dataDir}. */
    static EmbeddedKafka start(Path dataDir, int port, Duration timeout) throws IOException, InterruptedException {
        return start(dataDir, port, timeout, null);
    }

    /** @param security the secured profile (TLS, SCRAM, ACLs), or null for plaintext */
    static EmbeddedKafka start(Path dataDir, int port, Duration timeout, StackSecurity security)
            throws IOException, InterruptedException {
        int brokerPort = port == 0 ? Ports.free() : port;
        int controllerPort = Ports.free();
        EmbeddedKafka kafka = launch(dataDir, 1, brokerPort, controllerPort, "1@127.0.0.1:" + controllerPort,
                Replication.forBrokers(1), Uuid.randomUuid().toString(), timeout, security);
        try {
            kafka.awaitReady(1, timeout);
        } catch (IOException | RuntimeException e) {
            kafka.close();
            throw e;
        }
        return kafka;
    }

    /**
     * Writes the node's server.properties (every start: ports may change), formats its storage with
     * {@code clusterId} on first start, and starts it without waiting: a cluster's nodes only become ready once
     * a majority of the controller quorum is up.
     */
    static EmbeddedKafka launch(Path dataDir, int nodeId, int brokerPort, int controllerPort, String voters,
                                Replication replication, String clusterId, Duration timeout)
            throws IOException, InterruptedException {
        return launch(dataDir, nodeId, brokerPort, controllerPort, voters, replication, clusterId, timeout, null);
    }

    /** @param security the secured profile (TLS, SCRAM, ACLs), or null for plaintext */
    static EmbeddedKafka launch(Path dataDir, int nodeId, int brokerPort, int controllerPort, String voters,
                                Replication replication, String clusterId, Duration timeout, StackSecurity security)
            throws IOException, InterruptedException {
        int internalPort = security == null ? 0 : Ports.free();
        Path logDir = dataDir.resolve("kafka-data");
        Path config = dataDir.resolve("server.properties");
        Files.createDirectories(logDir);

        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(nodeId));
        p.put("controller.quorum.voters", voters);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        // Internal topics (offsets, transactions) and topics created with the broker default (Kafka Streams'
        // changelogs and repartition topics) get the cluster's replication: 1/1 on one node, 3/2 on three.
        String factor = Short.toString(replication.factor());
        String minIsr = Integer.toString(replication.minInsyncReplicas());
        p.put("default.replication.factor", factor);
        p.put("min.insync.replicas", minIsr);
        p.put("offsets.topic.replication.factor", factor);
        p.put("offsets.topic.num.partitions", "6");
        p.put("transaction.state.log.replication.factor", factor);
        p.put("transaction.state.log.min.isr", minIsr);
        p.put("transaction.state.log.num.partitions", "6");
        p.put("share.coordinator.state.topic.replication.factor", factor);
        p.put("share.coordinator.state.topic.min.isr", minIsr);
        p.put("group.initial.rebalance.delay.ms", "0");
        // Topics come from io.physmaster.topics.Topics only; a typo must not silently create a new one.
        p.put("auto.create.topics.enable", "false");
        p.put("log.cleaner.backoff.ms", "1000");
        if (voters.contains(",")) {
            // A quorum of JVMs sharing a busy machine's cores: with the defaults (2 s, 1 s) a starved follower
            // keeps calling elections (20 epochs in a minute under load). Longer timeouts keep one leader, at the
            // price of a slower controller failover (the brokers' 9 s session timeout dominates anyway).
            p.put("controller.quorum.fetch.timeout.ms", "6000");
            p.put("controller.quorum.election.timeout.ms", "2000");
        }
        if (security != null) {
            security.applyTo(p, brokerPort, internalPort, controllerPort);
            // It holds the key store password: owner-only from the start.
            StackCertificates.writeOwnerOnly(config, "");
        }
        try (Writer w = Files.newBufferedWriter(config)) {
            p.store(w, "PhysMaster embedded KRaft node " + nodeId + " (written by EmbeddedKafka on every start)");
        }

        // Three brokers of 768 MB would crowd a laptop; a cluster node gets less (the load here is small).
        String heap = voters.contains(",") ? "-Xmx512m" : "-Xmx768m";
        List<String> jvmArgs = List.of("-Xms128m", heap, "-XX:+UseG1GC",
                "-cp", childClasspath(),
                // Warnings on its console (kafka.log); everything at INFO in kafka-broker.log next to it.
                "-Dphysmaster.role=kafka-broker", "-Dphysmaster.logs=" + dataDir.toAbsolutePath());
        Path log = dataDir.resolve("kafka.log");
        if (!Files.exists(logDir.resolve("meta.properties"))) {
            ChildJvm.run("kafka-storage-format", jvmArgs,
                    List.of("kafka.tools.StorageTool", "format", "-t", clusterId,
                            "-c", config.toString(), "--ignore-formatted"),
                    log, timeout);
        }
        ChildJvm jvm = ChildJvm.start("kafka-" + nodeId, jvmArgs, List.of("kafka.Kafka", config.toString()), log);
        return new EmbeddedKafka(jvm, "127.0.0.1:" + brokerPort, nodeId, security, internalPort);
    }

    /** Waits until this node answers and sees {@code nodes} brokers. */
    void awaitReady(int nodes, Duration timeout) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        awaitListening(deadline); // an admin client started earlier warns on the console at every failed connect
        Map<String, Object> c = new java.util.HashMap<>(adminConfig());
        c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        try (Admin admin = Admin.create(c)) {
            while (Instant.now().isBefore(deadline)) {
                if (!jvm.isAlive()) {
                    throw new IOException("Kafka broker " + nodeId + " exited during startup:\n" + jvm.logTail(30));
                }
                try {
                    if (admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).size() >= nodes) {
                        return;
                    }
                    Thread.sleep(200);
                } catch (Exception notYet) {
                    Thread.sleep(200);
                }
            }
        }
        throw new IOException("Kafka broker " + nodeId + " not ready within " + timeout + "; log: " + jvm.logFile()
                + "\n" + jvm.logTail(30));
    }

    /** Until the broker's port accepts connections (or the deadline, or the broker exits). */
    private void awaitListening(Instant deadline) throws IOException, InterruptedException {
        int colon = bootstrapServers.lastIndexOf(':');
        String host = bootstrapServers.substring(0, colon);
        int port = Integer.parseInt(bootstrapServers.substring(colon + 1));
        while (Instant.now().isBefore(deadline) && jvm.isAlive()) {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress(host, port), 1000);
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
    }

    /**
     * The classpath for the broker JVM: ours, or, when we run inside a tool's class loader (e.g. Maven's
     * exec:java, where java.class.path is Maven's own), that loader's URLs.
     */
    static String childClasspath() {
        String cp = System.getProperty("java.class.path");
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        if (cl instanceof java.net.URLClassLoader urls && !cp.contains("kafka_2.13")) {
            StringBuilder sb = new StringBuilder();
            for (java.net.URL u : urls.getURLs()) {
                try {
                    sb.append(java.nio.file.Path.of(u.toURI())).append(java.io.File.pathSeparator);
                } catch (java.net.URISyntaxException | IllegalArgumentException e) {
                    // not a file URL: skip
                }
            }
            return sb.append(cp).toString();
        }
        return cp;
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /** What the stack's own admin client needs: the bootstrap servers, or the secured internal listener. */
    Map<String, Object> adminConfig() throws IOException {
        return security == null ? Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers)
                : security.adminConfig(internalBootstrap());
    }

    /** The secured profile's INTERNAL listener address (mutual TLS, the broker's certificate). */
    String internalBootstrap() {
        return "127.0.0.1:" + internalPort;
    }

    long pid() {
        return jvm.pid();
    }

    int nodeId() {
        return nodeId;
    }

    @Override
    public void close() {
        jvm.close();
    }
}
