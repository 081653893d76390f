package io.physmaster.role;

import io.physmaster.blob.BlobStore;
import io.physmaster.blob.BlobStores;
import io.physmaster.serde.RegistryClientConfig;
import io.physmaster.serde.RestSchemaRegistryClient;
import io.physmaster.serde.SchemaRegistryClient;
import io.physmaster.versions.TrainerKeys;
import io.physmaster.versions.VersionTrust;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Where the system is, shared by every role and client: Kafka, the schema registry and the blob store. Each
 * default is defined here once and matches the local stack's, so on one machine nothing needs setting.
 * Every role's settings embed one of these and add their own knobs.
 *
 * @param bootstrapServers  Kafka bootstrap servers (PHYSMASTER_BOOTSTRAP_SERVERS)
 * @param schemaRegistryUrl Confluent-API registry base URL (PHYSMASTER_SCHEMA_REGISTRY_URL); user info in it, in
 *                          PHYSMASTER_SCHEMA_REGISTRY_USER_INFO or as basic.auth.user.info in the
 *                          PHYSMASTER_KAFKA_CONFIG file authenticates
 * @param blobStore         blob store location: a directory, file:/dir or s3://bucket[/prefix]
 *                          (PHYSMASTER_BLOB_STORE)
 * @param env               the environment the secrets come from (S3 credentials, registry user info, Kafka
 *                          SASL credentials, trainer keys); never printed
 */
public record ConnectionSettings(String bootstrapServers, String schemaRegistryUrl, String blobStore,
                                 Map<String, String> env) {

    public static final String DEFAULT_BOOTSTRAP = "localhost:9092";
    public static final String DEFAULT_REGISTRY = "http://localhost:8081/apis/ccompat/v7";
    public static final String DEFAULT_BLOBS = "run/blobs";

    public static final String ENV_BOOTSTRAP = "PHYSMASTER_BOOTSTRAP_SERVERS";
    public static final String ENV_REGISTRY = "PHYSMASTER_SCHEMA_REGISTRY_URL";
    public static final String ENV_REGISTRY_USER_INFO = "PHYSMASTER_SCHEMA_REGISTRY_USER_INFO";
    public static final String ENV_BLOBS = "PHYSMASTER_BLOB_STORE";
    /** The trainer's Ed25519 private key (PEM); generated there, owner-only, on the trainer's first start. */
    public static final String ENV_TRAINER_KEY = "PHYSMASTER_TRAINER_KEY";
    /** The trainer public key workers verify encoder versions with; default: the .pub next to the private key. */
    public static final String ENV_TRAINER_PUBLIC_KEY = "PHYSMASTER_TRAINER_PUBLIC_KEY";
    public static final String DEFAULT_TRAINER_KEY = "run/keys/trainer-ed25519.key";

    public ConnectionSettings {
        require(bootstrapServers, "bootstrap servers");
        require(schemaRegistryUrl, "schema registry URL");
        require(blobStore, "blob store");
        env = Map.copyOf(env);
    }

    public static ConnectionSettings fromEnv(Map<String, String> env) {
        return new ConnectionSettings(env.getOrDefault(ENV_BOOTSTRAP, DEFAULT_BOOTSTRAP),
                env.getOrDefault(ENV_REGISTRY, DEFAULT_REGISTRY), env.getOrDefault(ENV_BLOBS, DEFAULT_BLOBS), env);
    }

    /** The machine's environment. */
    public static ConnectionSettings fromEnv() {
        return fromEnv(System.getenv());
    }

    /** These settings with whichever of the given values is not null put in place. */
    public ConnectionSettings with(String bootstrap, String registry, String blobs) {
        return new ConnectionSettings(bootstrap != null ? bootstrap : bootstrapServers,
                registry != null ? registry : schemaRegistryUrl, blobs != null ? blobs : blobStore, env);
    }

    public ConnectionSettings withBlobStore(String location) {
        return with(null, null, location);
    }

    /** These settings with {@code entries} added to (or replacing those in) the environment. */
    public ConnectionSettings withEnv(Map<String, String> entries) {
        Map<String, String> merged = new HashMap<>(env);
        merged.putAll(entries);
        return new ConnectionSettings(bootstrapServers, schemaRegistryUrl, blobStore, merged);
    }

    /** Where the trainer's private signing key is (or is created). */
    public Path trainerKeyFile() {
        return Path.of(env.getOrDefault(ENV_TRAINER_KEY, DEFAULT_TRAINER_KEY));
    }

    /** The trainer's public key file: where workers read it, and where the trainer also writes it. */
    public Path trainerPublicKeyFile() {
        String pub = env.get(ENV_TRAINER_PUBLIC_KEY);
        return pub != null ? Path.of(pub) : TrainerKeys.publicFile(trainerKeyFile());
    }

    /** Which encoder versions a worker trusts: those signed by the key in {@link #trainerPublicKeyFile()}. */
    public VersionTrust versionTrust() {
        return VersionTrust.ofFile(trainerPublicKeyFile());
    }

    /**
     * Kafka client settings beyond the bootstrap servers: security (TLS, SASL) from the environment (see
     * {@link KafkaSecurity}); empty for a plaintext cluster. Every client of a role starts from these.
     */
    public Properties kafka() {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.putAll(KafkaSecurity.fromEnv(env));
        return p;
    }

    /** A registry client; the same config keys Confluent's serializers read. */
    public SchemaRegistryClient registry() {
        return new RestSchemaRegistryClient(RegistryClientConfig.from(registryConfig()));
    }

    /**
     * The registry client config under Confluent's key names: the registry entries of the
     * {@code PHYSMASTER_KAFKA_CONFIG} file (credentials, as the secured stack writes them), then this URL, then
     * {@code PHYSMASTER_SCHEMA_REGISTRY_USER_INFO} if set.
     */
    public Map<String, Object> registryConfig() {
        Map<String, Object> c = new HashMap<>(KafkaSecurity.registryConfig(env));
        c.put(RegistryClientConfig.URL, schemaRegistryUrl);
        String userInfo = env.get(ENV_REGISTRY_USER_INFO);
        if (userInfo != null) {
            c.put(RegistryClientConfig.CREDENTIALS_SOURCE, "USER_INFO");
            c.put(RegistryClientConfig.USER_INFO, userInfo);
        }
        return c;
    }

    public BlobStore openBlobStore() throws IOException {
        return BlobStores.open(blobStore, env);
    }

    /** Consumer properties every role starts from: manual commits, committed reads only. Null group: none. */
    public Properties consumer(String groupId) {
        Properties p = kafka();
        if (groupId != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        }
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return p;
    }

    /** Producer properties every role starts from: every in-sync replica acknowledges, no duplicates on retry. */
    public Properties producer() {
        Properties p = kafka();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        return p;
    }

    @Override
    public String toString() {
        return "ConnectionSettings[bootstrapServers=" + bootstrapServers + ", schemaRegistryUrl="
                + schemaRegistryUrl.replaceAll("//[^@/]*@", "//***@") + ", blobStore=" + blobStore + "]";
    }

    private static void require(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
    }
}
