package io.physmaster.client;

import java.time.Duration;
import java.util.Map;

/**
 * Where the system is. Defaults match the local stack's defaults, so on one machine nothing needs setting.
 *
 * @param bootstrapServers  Kafka bootstrap servers (env PHYSMASTER_BOOTSTRAP_SERVERS, default localhost:9092)
 * @param schemaRegistryUrl Confluent-API registry base URL (env PHYSMASTER_SCHEMA_REGISTRY_URL,
 *                          default http://localhost:8081/apis/ccompat/v7)
 * @param blobStore         blob store location for first frames over the inline limit and for downloads
 *                          (env PHYSMASTER_BLOB_STORE, default ./run/blobs; s3://bucket for S3)
 * @param requestTimeout    how long a publish may take before it fails
 */
public record ClientSettings(String bootstrapServers, String schemaRegistryUrl, String blobStore,
                             Duration requestTimeout) {

    public static final String DEFAULT_BOOTSTRAP = "localhost:9092";
    public static final String DEFAULT_REGISTRY = "http://localhost:8081/apis/ccompat/v7";
    public static final String DEFAULT_BLOBS = "run/blobs";

    public static ClientSettings fromEnv(Map<String, String> env) {
        return new ClientSettings(
                env.getOrDefault("PHYSMASTER_BOOTSTRAP_SERVERS", DEFAULT_BOOTSTRAP),
                env.getOrDefault("PHYSMASTER_SCHEMA_REGISTRY_URL", DEFAULT_REGISTRY),
                env.getOrDefault("PHYSMASTER_BLOB_STORE", DEFAULT_BLOBS),
                Duration.ofSeconds(30));
    }

    public ClientSettings withBlobStore(String location) {
        return new ClientSettings(bootstrapServers, schemaRegistryUrl, location, requestTimeout);
    }
}
