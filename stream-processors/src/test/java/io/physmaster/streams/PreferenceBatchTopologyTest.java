package io.physmaster.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.schemas.DeadLetter;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.schemas.PreferenceEvent;
import io.physmaster.schemas.PreferencePair;
import io.physmaster.schemas.PreferenceSource;
import io.physmaster.serde.AvroSerde;
import io.physmaster.serde.AvroSerializer;
import io.physmaster.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.generic.GenericContainer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The batching topology on TopologyTestDriver: windows, grace, lateness, dedupe, conflicts, size, bad input. */
class PreferenceBatchTopologyTest {

    static final StreamsSettings SETTINGS = new StreamsSettings(Duration.ofSeconds(10), Duration.ofSeconds(2), 3,
            0.5f, Duration.ofSeconds(5));

    @TempDir
    Path state;

    final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    TopologyTestDriver driver;
    TestInputTopic<String, GeneratedVideo> videos;
    TestInputTopic<String, PreferenceEvent> events;
    TestInputTopic<String, byte[]> rawEvents;
    TestOutputTopic<String, PreferenceBatch> batches;
    TestOutputTopic<String, DeadLetter> dead;

    <T extends GenericContainer> AvroSerde<T> serde(Class<T> type) {
        AvroSerde<T> s = new AvroSerde<>(type);
        s.configure(Map.of(AvroSerializer.CLIENT_INSTANCE, registry), false);
        return s;
    }

    void start(StreamsSettings settings) {
        var serdes = new PreferenceBatchTopology.AvroSerdes(serde(GeneratedVideo.class),
                serde(PreferenceEvent.class).deserializer(), serde(PreferenceBatch.class), serde(DeadLetter.class));
        Properties p = PreferenceStreamsApp.config("unused:9092", state);
        driver = new TopologyTestDriver(PreferenceBatchTopology.build(settings, serdes), p, Instant.ofEpochMilli(0));
        videos = driver.createInputTopic(Topics.GENERATED_VIDEOS.name(), Serdes.String().serializer(),
                serde(GeneratedVideo.class).serializer());
        events = driver.createInputTopic(Topics.PREFERENCE_EVENTS.name(), Serdes.String().serializer(),
                serde(PreferenceEvent.class).serializer());
        rawEvents = driver.createInputTopic(Topics.PREFERENCE_EVENTS.name(), Serdes.String().serializer(),
                Serdes.ByteArray().serializer());
        batches = driver.createOutputTopic(Topics.PREFERENCE_BATCHES.name(), Serdes.String().deserializer(),
                serde(PreferenceBatch.class).deserializer());
        dead = driver.createOutputTopic(Topics.DEAD_LETTERS.name(), Serdes.String().deserializer(),
                serde(DeadLetter.class).deserializer());
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    void video(String request, int sample, String version, long ts) {
        videos.pipeInput(request, GeneratedVideo.newBuilder().setRequestId(request).setSampleIndex(sample)
                .setSeed(sample).setVideoUri("file:/v/" + request + "/" + sample + ".mp4").setFormat("mp4")
                .setFrames(16).setWidth(256).setHeight(256).setSha256("x").setEncoderVersion(version)
                .setModelVersion("m").setLatencyMs(1).setRawUri("file:/v/" + request + "/" + sample + ".pmv")
                .setCreatedAt(Instant.ofEpochMilli(ts)).build(), ts);
    }

    PreferenceEvent event(String request, int preferred, int rejected, String annotator, float confidence) {
        return PreferenceEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setRequestId(request)
                .setPreferredSample(preferred).setRejectedSample(rejected).setSource(PreferenceSource.HUMAN)
                .setAnnotator(annotator).setConfidence(confidence).setTime(Instant.EPOCH).build();
    }

    void prefer(String request, int preferred, int rejected, String annotator, long ts) {
        events.pipeInput(request, event(request, preferred, rejected, annotator, 1f), ts);
    }

    void closeWindowsUpTo(long ts) {
        driver.advanceWallClockTime(Duration.ofMillis(ts - 0));
    }

    @Test
    void aClosedWindowEmitsOneBatchWithVideoUris() {
        start(SETTINGS);
        video("r1", 0, "v1", 100);
        video("r1", 1, "v1", 100);
        prefer("r1", 1, 0, "alice", 1_000);
        assertTrue(batches.isEmpty(), "nothing before the window closes");
        closeWindowsUpTo(12_001);
        PreferenceBatch b = batches.readValue();
        assertEquals("v1", b.getEncoderVersion());
        assertEquals(Instant.ofEpochMilli(0), b.getWindowStart());
        PreferencePair pair = b.getPairs().get(0);
        assertEquals("file:/v/r1/1.pmv", pair.getPreferredUri());
        assertEquals("file:/v/r1/0.pmv", pair.getRejectedUri());
        assertTrue(batches.isEmpty());
    }

    @Test
    void eventsWithinGraceCountAndLateOnesAreDeadLettered() {
        start(SETTINGS);
        video("r1", 0, "v1", 0);
        video("r1", 1, "v1", 0);
        video("r2", 0, "v1", 0);
        video("r2", 1, "v1", 0);
        prefer("r1", 0, 1, "alice", 9_000);
        prefer("r2", 0, 1, "alice", 11_000);   // next window; stream time 11 s < 10 s + 2 s grace
        prefer("r1", 0, 1, "bob", 9_500);      // out of order but within grace: joins window 0
        closeWindowsUpTo(12_500);
        PreferenceBatch first = batches.readValue();
        assertEquals(2, first.getPairs().get(0).getVotes(), "alice and bob");
        prefer("r1", 1, 0, "carol", 5_000);    // window 0 closed: late
        DeadLetter late = dead.readValue();
        assertTrue(late.getReason().startsWith("late"), late.getReason());
    }

    @Test
    void oneAnnotatorOnePairCountsOnce() {
        start(SETTINGS);
        video("r1", 0, "v1", 0);
        video("r1", 1, "v1", 0);
        PreferenceEvent e = event("r1", 0, 1, "alice", 1f);
        events.pipeInput("r1", e, 1_000);
        events.pipeInput("r1", e, 1_100);                      // redelivered
        prefer("r1", 0, 1, "alice", 1_200);                     // same annotator, same pair again
        closeWindowsUpTo(12_001);
        PreferenceBatch b = batches.readValue();
        assertEquals(1, b.getPairs().get(0).getVotes());
        assertEquals(3, b.getEventsSeen());
        assertEquals(2, b.getEventsDropped());
    }

    @Test
    void conflictsResolveByMajorityAndTiesAreDropped() {
        start(SETTINGS);
        for (String r : List.of("r1", "r2")) {
            video(r, 0, "v1", 0);
            video(r, 1, "v1", 0);
        }
        prefer("r1", 0, 1, "a", 1_000);
        prefer("r1", 0, 1, "b", 1_000);
        prefer("r1", 1, 0, "c", 1_000);
        prefer("r2", 0, 1, "a", 1_000);
        prefer("r2", 1, 0, "b", 1_000);
        closeWindowsUpTo(12_001);
        PreferenceBatch batch = batches.readValue();
        assertEquals(1, batch.getPairs().size(), "the tie on r2 is dropped");
        PreferencePair p = batch.getPairs().get(0);
        assertEquals("file:/v/r1/0.pmv", p.getPreferredUri());
        assertEquals(2, p.getVotes());
        assertEquals(3, batch.getEventsDropped(), "c's minority vote and both tied votes");
    }

    @Test
    void aFullBatchIsEmittedBeforeTheWindowCloses() {
        start(SETTINGS); // max 3 pairs
        for (String r : List.of("r1", "r2", "r3", "r4")) {
            video(r, 0, "v1", 0);
            video(r, 1, "v1", 0);
        }
        prefer("r1", 0, 1, "a", 1_000);
        prefer("r2", 0, 1, "a", 1_000);
        assertTrue(batches.isEmpty());
        prefer("r3", 1, 0, "a", 1_000);
        PreferenceBatch early = batches.readValue();
        assertEquals(3, early.getPairs().size());
        assertTrue(early.getBatchId().endsWith("#0"), early.getBatchId());
        prefer("r4", 1, 0, "a", 2_000);
        closeWindowsUpTo(12_001);
        PreferenceBatch rest = batches.readValue();
        assertEquals(1, rest.getPairs().size());
        assertTrue(rest.getBatchId().endsWith("#1"), rest.getBatchId());
    }

    @Test
    void invalidEventsGoToTheDeadLetterTopicWithTheReason() {
        start(SETTINGS);
        video("r1", 0, "v1", 0);
        video("r1", 1, "v1", 0);
        video("r1", 2, "v2", 0);
        events.pipeInput("r1", event("r1", 1, 1, "a", 1f), 1_000);
        assertTrue(dead.readValue().getReason().contains("same sample"));
        events.pipeInput("r1", event("r1", 0, 1, "a", 1.5f), 1_000);
        assertTrue(dead.readValue().getReason().contains("confidence"));
        rawEvents.pipeInput("r1", new byte[] {1, 2, 3}, 1_000);
        DeadLetter garbage = dead.readValue();
        assertTrue(garbage.getReason().startsWith("undecodable"), garbage.getReason());
        events.pipeInput("r1", event("r1", 0, 2, "a", 1f), 1_000);
        assertTrue(dead.readValue().getReason().contains("different encoder versions"));
        events.pipeInput("r1", event("r1", 0, 7, "a", 1f), 1_000);
        assertTrue(dead.isEmpty(), "an unknown sample waits for its video first");
        driver.advanceWallClockTime(Duration.ofSeconds(6));
        assertTrue(dead.readValue().getReason().startsWith("unknown sample"));
    }

    @Test
    void anEventWhoseVideoArrivesLaterIsJoinedOnceItDoes() {
        start(SETTINGS);
        video("r9", 0, "v1", 0);
        prefer("r9", 0, 1, "a", 1_000);
        video("r9", 1, "v1", 1_500);
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        closeWindowsUpTo(13_000);
        assertEquals(1, batches.readValue().getPairs().size());
        assertTrue(dead.isEmpty());
    }

    @Test
    void lowConfidenceEventsAreDroppedAndCounted() {
        start(SETTINGS);
        video("r1", 0, "v1", 0);
        video("r1", 1, "v1", 0);
        video("r2", 0, "v1", 0);
        video("r2", 1, "v1", 0);
        events.pipeInput("r1", event("r1", 0, 1, "a", 0.2f), 1_000);
        prefer("r2", 0, 1, "a", 1_000);
        closeWindowsUpTo(12_001);
        PreferenceBatch b = batches.readValue();
        assertEquals(1, b.getPairs().size());
        assertEquals(1, b.getEventsDropped());
    }
}
