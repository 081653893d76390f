package io.physmaster.role;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaSecurityTest {

    @TempDir
    Path dir;

    @Test
    void nothingSetIsPlaintextWithOnlyTheBootstrapServers() {
        Properties p = ConnectionSettings.fromEnv(Map.of()).kafka();
        assertEquals(Map.of("bootstrap.servers", ConnectionSettings.DEFAULT_BOOTSTRAP), p);
    }

    @Test
    void aPasswordFileGivesScramOverTlsAndReachesConsumersAndProducers() throws Exception {
        Path pw = dir.resolve("worker.password");
        Files.writeString(pw, "s3cr\"et\n");
        Path ca = dir.resolve("ca.pem");
        ConnectionSettings c = ConnectionSettings.fromEnv(Map.of(KafkaSecurity.ENV_USERNAME, "worker",
                KafkaSecurity.ENV_PASSWORD_FILE, pw.toString(), KafkaSecurity.ENV_TRUSTSTORE, ca.toString()));
        for (Properties p : new Properties[] {c.consumer("g"), c.producer()}) {
            assertEquals("SASL_SSL", p.get("security.protocol"));
            assertEquals("SCRAM-SHA-512", p.get("sasl.mechanism"));
            assertEquals("org.apache.kafka.common.security.scram.ScramLoginModule required username=\"worker\" "
                    + "password=\"s3cr\\\"et\";", p.get("sasl.jaas.config"));
            assertEquals("PEM", p.get("ssl.truststore.type"));
            assertEquals(ca.toString(), p.get("ssl.truststore.location"));
        }
        assertFalse(c.toString().contains("s3cr"), "settings never print secrets");
    }

    @Test
    void aClientConfigFileIsReadAndTheEnvironmentOverridesIt() throws Exception {
        Path f = dir.resolve("trainer.properties");
        Files.writeString(f, "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-256\nssl.truststore.type=PEM\n");
        Properties p = KafkaSecurity.fromEnv(Map.of(KafkaSecurity.ENV_CONFIG, f.toString(),
                KafkaSecurity.ENV_USERNAME, "trainer", KafkaSecurity.ENV_PASSWORD, "pw",
                KafkaSecurity.ENV_MECHANISM, "SCRAM-SHA-256"));
        assertEquals("SCRAM-SHA-256", p.get("sasl.mechanism"));
        assertTrue(((String) p.get("sasl.jaas.config")).contains("username=\"trainer\""));
    }

    @Test
    void aUsernameWithoutPasswordOrAMissingFileIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KafkaSecurity.fromEnv(Map.of(KafkaSecurity.ENV_USERNAME, "judge")));
        assertTrue(e.getMessage().contains(KafkaSecurity.ENV_PASSWORD_FILE), e.getMessage());
        Exception missing = assertThrows(RuntimeException.class, () -> KafkaSecurity.fromEnv(Map.of(
                KafkaSecurity.ENV_CONFIG, dir.resolve("none.properties").toString())));
        assertTrue(missing.getMessage().contains("none.properties"), missing.getMessage());
    }

    @Test
    void registryCredentialsInTheFileGoToTheRegistryClientAndNotToKafka() throws Exception {
        Path f = dir.resolve("worker.properties");
        Files.writeString(f, "security.protocol=SASL_SSL\nschema.registry.url=http\\://127.0.0.1\\:1/x\n"
                + "basic.auth.credentials.source=USER_INFO\nbasic.auth.user.info=worker\\:r3g\n");
        ConnectionSettings c = ConnectionSettings.fromEnv(Map.of(KafkaSecurity.ENV_CONFIG, f.toString(),
                ConnectionSettings.ENV_REGISTRY, "http://127.0.0.1:8081/apis/ccompat/v7"));
        for (Properties p : new Properties[] {c.kafka(), c.consumer("g"), c.producer()}) {
            assertEquals("SASL_SSL", p.get("security.protocol"));
            assertTrue(p.stringPropertyNames().stream().noneMatch(k -> k.startsWith("basic.auth.")
                    || k.startsWith("schema.registry.")), p.stringPropertyNames().toString());
        }
        Map<String, Object> registry = c.registryConfig();
        assertEquals("worker:r3g", registry.get("basic.auth.user.info"));
        assertEquals("USER_INFO", registry.get("basic.auth.credentials.source"));
        // The role's URL setting wins over the file's; the environment's user info over the file's.
        assertEquals("http://127.0.0.1:8081/apis/ccompat/v7", registry.get("schema.registry.url"));
        ConnectionSettings overridden = c.withEnv(Map.of(ConnectionSettings.ENV_REGISTRY_USER_INFO, "judge:x"));
        assertEquals("judge:x", overridden.registryConfig().get("basic.auth.user.info"));
    }
}
