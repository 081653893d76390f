package io.physmaster.streams;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.streams.WindowState.PairVotes;
import io.physmaster.streams.WindowState.Vote;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

class InternalSerdesTest {

    static <T> T roundTrip(Serde<T> serde, T value) {
        return serde.deserializer().deserialize("t", serde.serializer().serialize("t", value));
    }

    @Test
    void valuesRoundTrip() {
        ResolvedPreference p = new ResolvedPreference("e1", "r|1", 2, 0, "ann", 0.75f, "HUMAN", 123L, "v1",
                "file:/a", "file:/b", null, 42L, -7L);
        assertEquals(p, roundTrip(InternalSerdes.RESOLVED, p));
        ResolvedPreference withScene = new ResolvedPreference("e1", "r", 0, 1, "a\u00e9\u4e2d", 1f, "JUDGE", -5L, "v",
                "u", "w", "seen:3", Long.MAX_VALUE, 0L);
        assertEquals(withScene, roundTrip(InternalSerdes.RESOLVED, withScene));

        Map<String, Vote> votes = new TreeMap<>(Map.of("a", new Vote(0, 0.5f), "b", new Vote(1, 1f)));
        PairVotes pair = new PairVotes("r", 0, 1, "u0", "u1", 10L, 11L, "seen:1", votes);
        assertEquals(pair, roundTrip(InternalSerdes.PAIR, pair));

        VideoRef video = new VideoRef("online-0002", "file:/b/r1-0.pmv", null, 3L);
        assertEquals(video, roundTrip(InternalSerdes.VIDEO, video));
        VideoRef videoWithScene = new VideoRef("v", "s3://b/k", "seen:4", -1L);
        assertEquals(videoWithScene, roundTrip(InternalSerdes.VIDEO, videoWithScene));

        VideoSample sample = new VideoSample("r|1", 3, videoWithScene);
        assertEquals(sample, roundTrip(InternalSerdes.VIDEO_SAMPLE, sample));

        WindowState w = new WindowState();
        w.encoderVersion = "v1";
        w.windowStart = 1000;
        w.windowEnd = 2000;
        w.part = 3;
        w.eventsSeen = 7;
        w.eventsDropped = 2;
        w.pairsInPart = 4;
        w.id = (2L << 48) | 12345;
        WindowState back = roundTrip(InternalSerdes.WINDOW, w);
        assertEquals(w.encoderVersion, back.encoderVersion);
        assertEquals(w.windowStart, back.windowStart);
        assertEquals(w.windowEnd, back.windowEnd);
        assertEquals(w.part, back.part);
        assertEquals(w.eventsSeen, back.eventsSeen);
        assertEquals(w.eventsDropped, back.eventsDropped);
        assertEquals(w.pairsInPart, back.pairsInPart);
        assertEquals(w.id, back.id);
    }

    @Test
    void aPreferenceOnItsWayToTheJoinKeepsItsOrigin() {
        byte[] avro = {0, 0, 0, 0, 7, 42};
        CheckedPreference checked = new CheckedPreference("e1", "r1", 1, 0, "ann", 0.5f, "JUDGE",
                new CheckedPreference.Origin(null, 5, 1234L, avro));
        PendingPreference pending = roundTrip(InternalSerdes.PENDING, new PendingPreference(checked, 99L, 100L));
        assertEquals(99L, pending.timestamp());
        assertEquals(100L, pending.deadline());
        CheckedPreference decoded = pending.preference();
        assertEquals(List.of("e1", "r1", 1, 0, "ann", 0.5f, "JUDGE"), List.of(decoded.eventId(), decoded.requestId(),
                decoded.preferred(), decoded.rejected(), decoded.annotator(), decoded.confidence(), decoded.source()));
        assertEquals(null, decoded.origin().key());
        assertEquals(5, decoded.origin().partition());
        assertEquals(1234L, decoded.origin().offset());
        assertArrayEquals(avro, decoded.origin().value(), "the original bytes, for a dead letter");
        CheckedPreference keyed = roundTrip(InternalSerdes.CHECKED, new CheckedPreference("e", "r", 0, 1, "a", 1f,
                "HUMAN", new CheckedPreference.Origin("k\u00e9", 0, 0L, new byte[0])));
        assertEquals("k\u00e9", keyed.origin().key());
        assertArrayEquals(new byte[0], keyed.origin().value());
    }

    @Test
    void pairKeysOfOnePartShareItsPrefixAndNoOther() {
        Bytes prefix = WindowState.partPrefix(7, 1);
        Bytes pair = WindowState.pairInPart(7, 1, WindowState.pairKey("r|1", 0, 1));
        assertTrue(startsWith(pair, prefix));
        assertTrue(!startsWith(WindowState.pairInPart(7, 10, WindowState.pairKey("r", 0, 1)), prefix), "part 10");
        assertTrue(!startsWith(WindowState.pairInPart(7L << 8, 1, WindowState.pairKey("r", 0, 1)), prefix), "window");
        assertEquals(12 + "3:r|1|0|1".length(), pair.get().length);
    }

    private static boolean startsWith(Bytes key, Bytes prefix) {
        return key.get().length >= prefix.get().length
                && java.util.Arrays.equals(key.get(), 0, prefix.get().length, prefix.get(), 0, prefix.get().length);
    }

    @Test
    void bytesOfAnotherFormatAreRefusedWithAClearMessage() {
        byte[] json = "{\"part\":1}".getBytes();
        SerializationException e = assertThrows(SerializationException.class,
                () -> InternalSerdes.WINDOW.deserializer().deserialize("store-changelog", json));
        assertTrue(e.getMessage().contains("reset the application"), e.getMessage());
        assertThrows(SerializationException.class,
                () -> InternalSerdes.PAIR.deserializer().deserialize("t", new byte[] {1, 0}));
        byte[] whole = InternalSerdes.VIDEO.serializer().serialize("t", new VideoRef("v", "file:/x", "seen:1", 5L));
        SerializationException cut = assertThrows(SerializationException.class, () -> InternalSerdes.VIDEO
                .deserializer().deserialize("t", java.util.Arrays.copyOf(whole, whole.length - 3)));
        assertTrue(cut.getMessage().contains("truncated"), cut.getMessage());
        byte[] longer = java.util.Arrays.copyOf(whole, whole.length + 2);
        SerializationException extra = assertThrows(SerializationException.class,
                () -> InternalSerdes.VIDEO.decode("t", longer));
        assertTrue(extra.getMessage().contains("left over"), extra.getMessage());
    }
}
