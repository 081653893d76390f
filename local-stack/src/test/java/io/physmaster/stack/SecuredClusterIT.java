package io.physmaster.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.role.ConnectionSettings;
import io.physmaster.role.KafkaSecurity;
import io.physmaster.topics.Topics;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./physmaster stack --secured --brokers 3}: three KRaft nodes in their own JVMs, SCRAM over TLS for
 * clients and mutual TLS between the nodes, the roles' ACLs enforced on every node, topics with three replicas
 * of which two must be in sync, and an authorised acks=all write still accepted after one node is killed.
 */
class SecuredClusterIT {

    @TempDir
    Path dir;

    @Test
    void threeSecuredBrokersEnforceTheRolesAclsAndSurviveTheLossOfOne() throws Exception {
        // Generous: keytool and three TLS nodes start slowly on a busy 2-core machine.
        LocalStackConfig config = new LocalStackConfig(dir, 0, 0, false, Duration.ofSeconds(400)).withBrokers(3);
        List<Long> pids;
        try (LocalStack stack = LocalStack.start(config, true); Admin admin = Admin.create(stack.adminConfig())) {
            pids = stack.pids();
            assertEquals(3, stack.brokerPids().size());
            for (int node = 1; node <= 3; node++) {
                Properties server = load(dir.resolve("broker-" + node + "/server.properties"));
                assertEquals("CLIENT:SASL_SSL,INTERNAL:SSL,CONTROLLER:SSL",
                        server.getProperty("listener.security.protocol.map"));
                assertEquals("required", server.getProperty("listener.name.controller.ssl.client.auth"));
                assertEquals("required", server.getProperty("listener.name.internal.ssl.client.auth"));
                assertOwnerOnly(dir.resolve("broker-" + node + "/server.properties"));
            }
            for (String role : RoleAcls.ROLES) {
                assertOwnerOnly(stack.security().clientConfigFile(role));
            }
            Map<String, TopicDescription> topics = TopicProvisioner.awaitTopics(admin,
                    Topics.ALL.stream().map(Topics.Topic::name).toList(), Duration.ofSeconds(60));
            for (Topics.Topic t : Topics.ALL) {
                for (TopicPartitionInfo p : topics.get(t.name()).partitions()) {
                    assertEquals(3, p.replicas().size(), t.name() + "-" + p.partition());
                }
            }
            ConfigResource versions = new ConfigResource(ConfigResource.Type.TOPIC, Topics.ENCODER_VERSIONS.name());
            assertEquals("2", admin.describeConfigs(List.of(versions)).all().get().get(versions)
                    .get("min.insync.replicas").value());

            // Least privilege on the cluster as on one broker: the worker cannot publish a version or a batch.
            assertInstanceOf(TopicAuthorizationException.class, sendFails(stack, "worker", Topics.ENCODER_VERSIONS));
            assertInstanceOf(TopicAuthorizationException.class, sendFails(stack, "worker", Topics.PREFERENCE_BATCHES));
            send(stack, "trainer", "before the kill");
            assertEquals(List.of("before the kill"), versionsSeenBy(stack, "worker", 1));

            // kill -9 the leader of encoder-versions: the trainer's acks=all write goes to the new leader, with two
            // replicas in sync, and the worker reads it there.
            int leader = topics.get(Topics.ENCODER_VERSIONS.name()).partitions().get(0).leader().id();
            ProcessHandle killed = ProcessHandle.of(stack.brokerPids().get(leader)).orElseThrow();
            killed.destroyForcibly();
            killed.onExit().get(60, TimeUnit.SECONDS);
            send(stack, "trainer", "after the kill");
            assertEquals(List.of("before the kill", "after the kill"), versionsSeenBy(stack, "worker", 2));
            assertInstanceOf(TopicAuthorizationException.class, sendFails(stack, "worker", Topics.ENCODER_VERSIONS));
        }
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " left");
        }
    }

    private ConnectionSettings as(LocalStack stack, String role) {
        return new ConnectionSettings(stack.bootstrapServers(), "http://127.0.0.1:9/no-registry",
                dir.resolve("blobs").toString(),
                Map.of(KafkaSecurity.ENV_CONFIG, stack.security().clientConfigFile(role).toString()));
    }

    private KafkaProducer<String, String> producer(LocalStack stack, String role) {
        Properties p = as(stack, role).producer(); // acks=all, idempotent: what every role sends with
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private void send(LocalStack stack, String role, String value) throws Exception {
        try (KafkaProducer<String, String> p = producer(stack, role)) {
            long offset = p.send(new ProducerRecord<>(Topics.ENCODER_VERSIONS.name(), 0, "v", value))
                    .get(150, TimeUnit.SECONDS).offset();
            assertTrue(offset >= 0);
        }
    }

    private Throwable sendFails(LocalStack stack, String role, Topics.Topic topic) {
        try (KafkaProducer<String, String> p = producer(stack, role)) {
            return assertThrows(ExecutionException.class,
                    () -> p.send(new ProducerRecord<>(topic.name(), "k", "forged")).get(150, TimeUnit.SECONDS))
                    .getCause();
        }
    }

    /** The values of encoder-versions-0 as {@code role} reads them, once {@code count} have arrived. */
    private List<String> versionsSeenBy(LocalStack stack, String role, int count) {
        TopicPartition tp = new TopicPartition(Topics.ENCODER_VERSIONS.name(), 0);
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(as(stack, role).consumer(null),
                new StringDeserializer(), new StringDeserializer())) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long until = System.currentTimeMillis() + 120_000;
            while (seen.size() < count && System.currentTimeMillis() < until) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
                    seen.add(r.value());
                }
            }
        }
        return seen;
    }

    private static Properties load(Path file) throws Exception {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        return p;
    }

    private static void assertOwnerOnly(Path f) throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
    }
}
