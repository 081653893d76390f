package io.physmaster.role;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

/**
 * Every role's producer starts from {@link ConnectionSettings#producer()}: on a replicated cluster a write is
 * acknowledged only once min.insync.replicas have it, and a retry after a leader change writes nothing twice.
 */
class ProducerSettingsTest {

    @Test
    void producersWaitForEveryInSyncReplicaAndAreIdempotent() {
        ConnectionSettings c = ConnectionSettings.fromEnv(Map.of("PHYSMASTER_BOOTSTRAP_SERVERS",
                "127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094"));
        Properties p = c.producer();
        assertEquals("all", p.get(ProducerConfig.ACKS_CONFIG));
        assertEquals("true", p.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG));
        assertEquals("127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094", p.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
    }
}
