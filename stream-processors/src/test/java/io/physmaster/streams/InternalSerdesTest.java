package io.physmaster.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.streams.WindowState.PairVotes;
import io.physmaster.streams.WindowState.Vote;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class InternalSerdesTest {

    static <T> T roundTrip(Serde<T> serde, T value) {
        return serde.deserializer().deserialize("t", serde.serializer().serialize("t", value));
    }

    @Test
    void valuesRoundTrip() {
        ResolvedPreference p = new ResolvedPreference("e1", "r|1", 2, 0, "ann", 0.75f, "HUMAN", 123L, "v1",
                "file:/a", "file:/b", null);
        assertEquals(p, roundTrip(InternalSerdes.RESOLVED, p));
        ResolvedPreference withScene = new ResolvedPreference("e1", "r", 0, 1, "a", 1f, "JUDGE", -5L, "v", "u", "w",
                "seen:3");
        assertEquals(withScene, roundTrip(InternalSerdes.RESOLVED, withScene));

        Map<String, Vote> votes = new TreeMap<>(Map.of("a", new Vote(0, 0.5f), "b", new Vote(1, 1f)));
        PairVotes pair = new PairVotes("r", 0, 1, "u0", "u1", "seen:1", votes);
        assertEquals(pair, roundTrip(InternalSerdes.PAIR, pair));

        WindowState w = new WindowState();
        w.encoderVersion = "v1";
        w.windowStart = 1000;
        w.windowEnd = 2000;
        w.part = 3;
        w.eventsSeen = 7;
        w.eventsDropped = 2;
        w.pairsInPart = 4;
        WindowState back = roundTrip(InternalSerdes.WINDOW, w);
        assertEquals(w.encoderVersion, back.encoderVersion);
        assertEquals(w.windowStart, back.windowStart);
        assertEquals(w.windowEnd, back.windowEnd);
        assertEquals(w.part, back.part);
        assertEquals(w.eventsSeen, back.eventsSeen);
        assertEquals(w.eventsDropped, back.eventsDropped);
        assertEquals(w.pairsInPart, back.pairsInPart);
    }

    @Test
    void bytesOfAnotherFormatAreRefusedWithAClearMessage() {
        byte[] json = "{\"part\":1}".getBytes();
        SerializationException e = assertThrows(SerializationException.class,
                () -> InternalSerdes.WINDOW.deserializer().deserialize("store-changelog", json));
        assertTrue(e.getMessage().contains("reset the application"), e.getMessage());
        assertThrows(SerializationException.class,
                () -> InternalSerdes.PAIR.deserializer().deserialize("t", new byte[] {1, 0}));
    }
}
