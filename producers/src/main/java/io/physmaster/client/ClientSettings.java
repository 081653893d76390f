package io.physmaster.client;

import io.physmaster.role.ConnectionSettings;
import java.time.Duration;
import java.util.Map;

/**
 * A client's settings: where the system is, and how long a publish may take.
 *
 * @param connection     Kafka, registry, and the blob store for first frames over the inline limit and downloads
 * @param requestTimeout how long a publish may take before it fails
 */
public record ClientSettings(ConnectionSettings connection, Duration requestTimeout) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    public static ClientSettings fromEnv(Map<String, String> env) {
        return new ClientSettings(ConnectionSettings.fromEnv(env), DEFAULT_TIMEOUT);
    }

    public static ClientSettings of(ConnectionSettings connection) {
        return new ClientSettings(connection, DEFAULT_TIMEOUT);
    }

    public String bootstrapServers() {
        return connection.bootstrapServers();
    }

    public String schemaRegistryUrl() {
        return connection.schemaRegistryUrl();
    }
}
