package io.physmaster.serde;

import java.util.HashMap;
import java.util.Map;
import org.apache.avro.generic.GenericContainer;

/**
 * Configured value serdes for our event types that share one registry client (one id cache per process).
 * Usage: {@code PhysSerdes serdes = PhysSerdes.of(Map.of("schema.registry.url", url));
 * Serde<GenerationRequest> s = serdes.value(GenerationRequest.class);}
 */
public final class PhysSerdes implements AutoCloseable {

    private final Map<String, Object> configs;
    private final SchemaRegistryClient client;

    private PhysSerdes(Map<String, ?> configs) {
        this.client = new RestSchemaRegistryClient(RegistryClientConfig.from(configs));
        this.configs = new HashMap<>(configs);
        this.configs.put(AvroSerializer.CLIENT_INSTANCE, client);
    }

    public static PhysSerdes of(Map<String, ?> configs) {
        return new PhysSerdes(configs);
    }

    public SchemaRegistryClient registry() {
        return client;
    }

    /** Configs for a producer/consumer/serde that should reuse this registry client. */
    public Map<String, Object> configs() {
        return Map.copyOf(configs);
    }

    public <T extends GenericContainer> AvroSerde<T> value(Class<T> type) {
        AvroSerde<T> serde = new AvroSerde<>(type);
        serde.configure(configs, false);
        return serde;
    }

    @Override
    public void close() {
        client.close();
    }
}
