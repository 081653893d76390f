package io.physmaster.stack;

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
 * A real single-node Kafka (KRaft, broker and controller in one process) from the kafka_2.13 artifacts, run as
 * a child JVM on loopback. Storage is formatted on first start and reused afterwards.
 */
final class EmbeddedKafka implements AutoCloseable {

    private final ChildJvm jvm;
    private final String bootstrapServers;
    private final StackSecurity security;

    private EmbeddedKafka(ChildJvm jvm, String bootstrapServers, StackSecurity security) {
        this.jvm = jvm;
        this.bootstrapServers = bootstrapServers;
        this.security = security;
    }

    static EmbeddedKafka start(Path dataDir, int port, Duration timeout) throws IOException, InterruptedException {
        return start(dataDir, port, timeout, null);
    }

    /** @param security the secured profile (TLS, SCRAM, ACLs), or null for plaintext */
    static EmbeddedKafka start(Path dataDir, int port, Duration timeout, StackSecurity security)
            throws IOException, InterruptedException {
        int brokerPort = port == 0 ? Ports.free() : port;
        int controllerPort = Ports.free();
        Path logDir = dataDir.resolve("kafka-data");
        Path config = dataDir.resolve("server.properties");
        Files.createDirectories(logDir);

        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        // One node: every internal topic has one replica.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "6");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "6");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // Topics come from io.physmaster.topics.Topics only; a typo must not silently create a new one.
        p.put("auto.create.topics.enable", "false");
        p.put("log.cleaner.backoff.ms", "1000");
        if (security != null) {
            security.applyTo(p, brokerPort, controllerPort);
            // It holds the key store password: owner-only from the start.
            StackCertificates.writeOwnerOnly(config, "");
        }
        try (Writer w = Files.newBufferedWriter(config)) {
            p.store(w, "PhysMaster embedded KRaft broker (written by EmbeddedKafka on every start)");
        }

        List<String> jvmArgs = List.of("-Xms256m", "-Xmx768m", "-XX:+UseG1GC",
                "-cp", childClasspath(),
                // Warnings on its console (kafka.log); everything at INFO in kafka-broker.log next to it.
                "-Dphysmaster.role=kafka-broker", "-Dphysmaster.logs=" + dataDir.toAbsolutePath());
        Path log = dataDir.resolve("kafka.log");
        if (!Files.exists(logDir.resolve("meta.properties"))) {
            ChildJvm.run("kafka-storage-format", jvmArgs,
                    List.of("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(),
                            "-c", config.toString(), "--ignore-formatted"),
                    log, Duration.ofSeconds(60));
        }
        ChildJvm jvm = ChildJvm.start("kafka", jvmArgs, List.of("kafka.Kafka", config.toString()), log);
        String bootstrap = "127.0.0.1:" + brokerPort;
        EmbeddedKafka kafka = new EmbeddedKafka(jvm, bootstrap, security);
        try {
            kafka.awaitReady(timeout);
        } catch (IOException | RuntimeException e) {
            kafka.close();
            throw e;
        }
        return kafka;
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        awaitListening(deadline); // an admin client started earlier warns on the console at every failed connect
        Map<String, Object> c = new java.util.HashMap<>(adminConfig());
        c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        try (Admin admin = Admin.create(c)) {
            while (Instant.now().isBefore(deadline)) {
                if (!jvm.isAlive()) {
                    throw new IOException("Kafka broker exited during startup:\n" + jvm.logTail(30));
                }
                try {
                    if (!admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception notYet) {
                    Thread.sleep(200);
                }
            }
        }
        throw new IOException("Kafka broker not ready within " + timeout + "; log: " + jvm.logFile() + "\n"
                + jvm.logTail(30));
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
                : security.adminConfig();
    }

    long pid() {
        return jvm.pid();
    }

    @Override
    public void close() {
        jvm.close();
    }
}
