package io.physmaster.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.role.ConnectionSettings;
import io.physmaster.schemas.GenerationRequest;
import io.physmaster.serde.AvroDeserializer;
import io.physmaster.serde.AvroSerializer;
import io.physmaster.serde.RegistryClientConfig;
import io.physmaster.serde.RegistryException;
import io.physmaster.serde.RestSchemaRegistryClient;
import io.physmaster.serde.SchemaRegistryClient;
import io.physmaster.topics.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The secured profile's schema registry on the real stack: the registry port takes only a role's HTTP basic
 * credentials (Confluent's {@code basic.auth.user.info}), and the roles' clients send them from their client
 * config, so Avro records still flow end to end between two principals.
 */
class SecuredRegistryIT {

    @TempDir
    static Path dir;
    static LocalStack stack;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() throws Exception {
        stack = LocalStack.start(new LocalStackConfig(dir, 0, 0, true, Duration.ofSeconds(400)), true);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    static HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(stack.schemaRegistryUrl() + path))
                .timeout(Duration.ofSeconds(60));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String basic(String userInfo) {
        return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }

    static SchemaRegistryClient client(Map<String, Object> auth) {
        Map<String, Object> c = new java.util.HashMap<>(auth);
        c.put(RegistryClientConfig.URL, stack.schemaRegistryUrl());
        c.put(RegistryClientConfig.MAX_RETRIES, 1);
        return new RestSchemaRegistryClient(RegistryClientConfig.from(c));
    }

    @Test
    void withoutOrWithWrongCredentialsTheRegistryAnswers401() throws Exception {
        String worker = stack.security().registryUserInfo("worker");
        String password = worker.substring(worker.indexOf(':') + 1);
        HttpResponse<String> none = get("/subjects", null);
        assertEquals(401, none.statusCode(), none.body());
        assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic realm="));
        for (String wrong : List.of(basic("worker:not-the-password"), basic("nobody:" + password),
                basic("trainer:" + password), basic("worker"), "Basic !!!", "Bearer " + password)) {
            assertEquals(401, get("/subjects", wrong).statusCode(), wrong);
        }
        // Nor can a client write without them: the serializers' registration is refused, not retried.
        Schema s = SchemaBuilder.record("Intruder").namespace("test").fields().requiredString("x").endRecord();
        try (SchemaRegistryClient anonymous = client(Map.of())) {
            RegistryException e = assertThrows(RegistryException.class, () -> anonymous.register("intruder-value", s));
            assertEquals(401, e.httpStatus(), e.getMessage());
        }
        assertEquals(200, get("/subjects", basic(worker)).statusCode());
        assertTrue(!get("/subjects", basic(worker)).body().contains("intruder"), "nothing registered");
    }

    @Test
    void answersAreValidHttp11ForStrictClients() throws Exception {
        // Node's parser (kafkajs's registry client) rejects a header such as HTTP/2's ":status"; read the raw reply.
        URI url = URI.create(stack.schemaRegistryUrl());
        try (java.net.Socket s = new java.net.Socket(url.getHost(), url.getPort())) {
            s.setSoTimeout(60_000);
            s.getOutputStream().write(("GET " + url.getPath() + "/config/no-such-subject HTTP/1.1\r\nHost: "
                    + url.getHost() + "\r\nAuthorization: " + basic(stack.security().registryUserInfo("worker"))
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String head = reply.substring(0, reply.indexOf("\r\n\r\n"));
            assertTrue(head.startsWith("HTTP/1.1 404"), head);
            for (String line : head.split("\r\n")) {
                assertTrue(line.startsWith("HTTP/1.1") || line.matches("[A-Za-z0-9-]+: .*"), "header: " + line);
            }
        }
    }

    @Test
    void aRolesCredentialsRegisterAndReadSchemasUnderConfluentsKeyNames() throws Exception {
        Schema s = SchemaBuilder.record("Probe").namespace("test").fields().requiredString("x").endRecord();
        int id;
        try (SchemaRegistryClient judge = client(Map.of(RegistryClientConfig.CREDENTIALS_SOURCE, "USER_INFO",
                RegistryClientConfig.USER_INFO, stack.security().registryUserInfo("judge")))) {
            id = judge.register("secured-probe-value", s);
        }
        // Another role, with Confluent's older key name, reads it back by id and as the subject's latest.
        try (SchemaRegistryClient trainer = client(Map.of(RegistryClientConfig.LEGACY_USER_INFO,
                stack.security().registryUserInfo("trainer")))) {
            assertEquals(s, trainer.getById(id));
            assertEquals(id, trainer.getLatest("secured-probe-value").id());
        }
    }

    @Test
    void rolesProduceAndConsumeAvroRecordsEndToEnd() throws Exception {
        ConnectionSettings producerRole = stack.connection("producer", dir.resolve("blobs"));
        ConnectionSettings workerRole = stack.connection("worker", dir.resolve("blobs"));
        GenerationRequest sent = GenerationRequest.newBuilder().setRequestId("secured-r1")
                .setFirstFrameInline(ByteBuffer.wrap(new byte[] {(byte) 0x89, 'P', 'N', 'G'})).setPrompt("a ball")
                .setNumSamples(2).setSeed(7).setEncoderVersion("stage1")
                .setSubmittedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS)).build();
        // The producer role registers the schema (its registry credentials come from its client config file).
        try (SchemaRegistryClient registry = producerRole.registry();
             AvroSerializer<GenerationRequest> ser = new AvroSerializer<>(registry, false, true, false);
             KafkaProducer<String, GenerationRequest> p = new KafkaProducer<>(producerRole.producer(),
                     new StringSerializer(), ser)) {
            p.send(new ProducerRecord<>(Topics.GENERATION_REQUESTS.name(), 0, "secured-r1", sent)).get();
        }
        // The worker role reads it and resolves the writer schema by id with its own credentials.
        List<GenerationRequest> got = new ArrayList<>();
        TopicPartition tp = new TopicPartition(Topics.GENERATION_REQUESTS.name(), 0);
        try (SchemaRegistryClient registry = workerRole.registry();
             KafkaConsumer<String, GenerationRequest> c = new KafkaConsumer<>(workerRole.consumer(null),
                     new StringDeserializer(), new AvroDeserializer<>(GenerationRequest.class, registry))) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long until = System.currentTimeMillis() + 60_000;
            while (got.isEmpty() && System.currentTimeMillis() < until) {
                for (ConsumerRecord<String, GenerationRequest> r : c.poll(Duration.ofMillis(500))) {
                    got.add(r.value());
                }
            }
        }
        assertEquals(1, got.size(), "one record read back");
        assertEquals(sent.getRequestId(), got.get(0).getRequestId());
        assertEquals(sent.getPrompt(), got.get(0).getPrompt());
        assertEquals(sent.getSeed(), got.get(0).getSeed());
        assertEquals(sent.getSubmittedAt(), got.get(0).getSubmittedAt());
    }

    @Test
    void registryCredentialsLiveInOwnerOnlyFilesBesideTheKafkaOnes() throws Exception {
        for (String role : RoleAcls.ROLES) {
            Path config = stack.security().clientConfigFile(role);
            for (Path f : List.of(config, dir.resolve("security/" + role + ".registry-password"))) {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
            }
            Properties p = new Properties();
            try (var r = Files.newBufferedReader(config)) {
                p.load(r);
            }
            assertEquals(stack.schemaRegistryUrl(), p.getProperty("schema.registry.url"));
            assertEquals("USER_INFO", p.getProperty("basic.auth.credentials.source"));
            assertEquals(stack.security().registryUserInfo(role), p.getProperty("basic.auth.user.info"));
            // A registry secret differs from the role's Kafka password: one leaked secret opens one door.
            assertNotNull(p.getProperty("sasl.jaas.config"));
            String registryPassword = Files.readString(dir.resolve("security/" + role + ".registry-password")).strip();
            assertTrue(!p.getProperty("sasl.jaas.config").contains(registryPassword), role);
        }
    }
}
