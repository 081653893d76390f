package io.physmaster.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.role.ConnectionSettings;
import io.physmaster.role.KafkaSecurity;
import io.physmaster.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The secured profile on a real embedded broker: TLS + SCRAM, one principal per role, ACLs enforced. */
class SecuredStackIT {

    @TempDir
    static Path dir;
    static LocalStack stack;

    @BeforeAll
    static void start() throws Exception {
        // A generous start timeout: keytool and a TLS broker start slowly on a busy 2-core machine.
        stack = LocalStack.start(new LocalStackConfig(dir, 0, 0, false, Duration.ofSeconds(400)), true);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    /** A role's settings, as {@link LocalStack#connection(String, Path)} gives them (this stack has no registry). */
    static ConnectionSettings as(String role) {
        return new ConnectionSettings(stack.bootstrapServers(), "http://127.0.0.1:9/no-registry",
                dir.resolve("blobs").toString(),
                Map.of(KafkaSecurity.ENV_CONFIG, stack.security().clientConfigFile(role).toString()));
    }

    static KafkaProducer<String, String> producer(Properties p) {
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    static Throwable sendFails(String role, Topics.Topic topic) {
        try (KafkaProducer<String, String> p = producer(as(role).producer())) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> p.send(new ProducerRecord<>(topic.name(), "k", "forged")).get());
            return e.getCause();
        }
    }

    @Test
    void aWorkerPrincipalCannotWriteEncoderVersionsOrPreferenceBatches() {
        assertInstanceOf(TopicAuthorizationException.class, sendFails("worker", Topics.ENCODER_VERSIONS));
        assertInstanceOf(TopicAuthorizationException.class, sendFails("worker", Topics.PREFERENCE_BATCHES));
        // Nor can the other roles that are not the trainer.
        for (String role : List.of("streams", "judge", "producer")) {
            assertInstanceOf(TopicAuthorizationException.class, sendFails(role, Topics.ENCODER_VERSIONS), role);
        }
        assertInstanceOf(TopicAuthorizationException.class, sendFails("producer", Topics.PREFERENCE_BATCHES));
    }

    @Test
    void theTrainerWritesVersionsTheWorkerReadsThemAndWritesOnlyItsOwnTopics() throws Exception {
        try (KafkaProducer<String, String> p = producer(as("trainer").producer())) {
            p.send(new ProducerRecord<>(Topics.ENCODER_VERSIONS.name(), "v-acl", "from the trainer")).get();
        }
        try (KafkaProducer<String, String> p = producer(as("worker").producer())) {
            p.send(new ProducerRecord<>(Topics.GENERATED_VIDEOS.name(), "r", "video")).get();
        }
        TopicPartition tp = new TopicPartition(Topics.ENCODER_VERSIONS.name(), 0);
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(as("worker").consumer(null),
                new StringDeserializer(), new StringDeserializer())) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            String seen = null;
            long until = System.currentTimeMillis() + 20_000;
            while (seen == null && System.currentTimeMillis() < until) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
                    seen = r.value();
                }
            }
            assertEquals("from the trainer", seen);
        }
    }

    @Test
    void aWrongPasswordOrNoCredentialsAreRejected() throws Exception {
        Properties wrong = as("worker").producer();
        wrong.put("sasl.jaas.config", KafkaSecurity.jaas("worker", "not-the-password"));
        try (KafkaProducer<String, String> p = producer(wrong)) {
            Exception e = assertThrows(Exception.class,
                    () -> p.send(new ProducerRecord<>(Topics.GENERATED_VIDEOS.name(), "k", "v")).get());
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            assertInstanceOf(SaslAuthenticationException.class, cause, String.valueOf(cause));
        }
        Properties plain = new Properties();
        plain.put("bootstrap.servers", stack.bootstrapServers());
        try (KafkaProducer<String, String> p = producer(plain)) {
            // A plaintext client never completes a TLS listener's handshake: no metadata, so the send times out.
            assertThrows(Exception.class,
                    () -> p.send(new ProducerRecord<>(Topics.GENERATED_VIDEOS.name(), "k", "v")).get());
        }
    }

    @Test
    void secretsAreOwnerOnly() throws Exception {
        for (Path f : List.of(stack.security().clientConfigFile("worker"), dir.resolve("security/broker.p12"),
                dir.resolve("security/ca.p12"), dir.resolve("security/trainer.password"),
                dir.resolve("server.properties"))) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
        }
        assertTrue(Files.readString(stack.security().caCertificate()).startsWith("-----BEGIN CERTIFICATE-----"));
    }
}
