package io.physmaster.topics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplicationTest {

    @Test
    void defaultsFollowTheClusterSize() {
        assertEquals(new Replication((short) 1, 1), Replication.forBrokers(1));
        assertEquals(new Replication((short) 2, 1), Replication.forBrokers(2));
        assertEquals(new Replication((short) 3, 2), Replication.forBrokers(3));
        assertEquals(new Replication((short) 3, 2), Replication.forBrokers(5));
    }

    @Test
    void theEnvironmentOverridesTheDefaults() {
        assertEquals(new Replication((short) 3, 3), Replication.fromEnv(
                Map.of(Replication.ENV_FACTOR, "3", Replication.ENV_MIN_INSYNC, "3"), 1));
        // A factor alone brings its own min.insync.replicas.
        assertEquals(new Replication((short) 3, 2), Replication.fromEnv(Map.of(Replication.ENV_FACTOR, "3"), 1));
        assertEquals(new Replication((short) 3, 2), Replication.fromEnv(Map.of(), 3));
        assertEquals(Map.of("min.insync.replicas", "2"), Replication.forBrokers(3).topicConfigs());
    }

    @Test
    void badValuesSayWhatIsWrong() {
        var notANumber = assertThrows(IllegalArgumentException.class,
                () -> Replication.fromEnv(Map.of(Replication.ENV_FACTOR, "three"), 3));
        assertTrue(notANumber.getMessage().contains(Replication.ENV_FACTOR), notANumber.getMessage());
        var tooMany = assertThrows(IllegalArgumentException.class, () -> new Replication((short) 3, 4));
        assertTrue(tooMany.getMessage().contains("min.insync.replicas"), tooMany.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Replication((short) 0, 1));
        assertThrows(IllegalArgumentException.class, () -> Replication.forBrokers(0));
    }
}
