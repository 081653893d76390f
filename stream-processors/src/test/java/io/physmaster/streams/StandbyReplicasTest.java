package io.physmaster.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class StandbyReplicasTest {

    @Test
    void unsetLeavesKafkaStreamsDefaultAndANumberIsTaken() {
        assertEquals(OptionalInt.empty(), PreferenceStreamsApp.standbyReplicas(Map.of()));
        assertEquals(OptionalInt.empty(), PreferenceStreamsApp.standbyReplicas(
                Map.of("PHYSMASTER_STREAMS_STANDBY_REPLICAS", " ")));
        assertEquals(OptionalInt.of(1), PreferenceStreamsApp.standbyReplicas(
                Map.of("PHYSMASTER_STREAMS_STANDBY_REPLICAS", "1")));
        assertEquals(OptionalInt.of(0), PreferenceStreamsApp.standbyReplicas(
                Map.of("PHYSMASTER_STREAMS_STANDBY_REPLICAS", "0")));
    }

    @Test
    void aBadValueNamesTheVariable() {
        for (String bad : new String[] {"-1", "one", "1.5"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PreferenceStreamsApp
                    .standbyReplicas(Map.of("PHYSMASTER_STREAMS_STANDBY_REPLICAS", bad)));
            assertTrue(e.getMessage().contains("PHYSMASTER_STREAMS_STANDBY_REPLICAS"), e.getMessage());
        }
    }
}
