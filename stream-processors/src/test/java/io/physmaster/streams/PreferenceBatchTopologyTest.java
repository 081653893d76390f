package io.physmaster.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
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
    Topology topology;
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
        var serdes = new PreferenceBatchTopology.AvroSerdes(serde(GeneratedVideo.class).deserializer(),
                serde(PreferenceEvent.class).deserializer(), serde(PreferenceBatch.class), serde(DeadLetter.class));
        Properties p = PreferenceStreamsApp.config("unused:9092", state);
        topology = PreferenceBatchTopology.build(settings, serdes);
        driver = new TopologyTestDriver(topology, p, Instant.ofEpochMilli(0));
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
                .setSeed(1000 + sample).setVideoUri("file:/v/" + request + "/" + sample + ".mp4").setFormat("mp4")
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
        assertEquals("v1@1970-01-01T00:00:00Z#0", b.getBatchId(), "deterministic: version, window start, part");
        assertEquals(Instant.ofEpochMilli(0), b.getWindowStart());
        assertEquals(Instant.ofEpochMilli(10_000), b.getWindowEnd());
        PreferencePair pair = b.getPairs().get(0);
        assertEquals("file:/v/r1/1.pmv", pair.getPreferredUri());
        assertEquals("file:/v/r1/0.pmv", pair.getRejectedUri());
        assertEquals(1001L, pair.getPreferredSeed(), "the seeds the two samples were drawn with");
        assertEquals(1000L, pair.getRejectedSeed());
        assertTrue(batches.isEmpty());
    }

    @Test
    void eventsWithinGraceCountAndLateOnesAreDeadLetteredAndCounted() {
        start(SETTINGS);
        for (String r : List.of("r1", "r2", "r3")) {
            video(r, 0, "v1", 0);
            video(r, 1, "v1", 0);
        }
        prefer("r1", 0, 1, "alice", 9_000);
        prefer("r2", 0, 1, "alice", 11_000);   // next window; stream time 11 s < 10 s + 2 s grace
        prefer("r1", 0, 1, "bob", 9_500);      // out of order but within grace: joins window 0
        prefer("r3", 0, 1, "alice", 12_000);   // stream time reaches 10 s + 2 s: window 0 closes
        PreferenceBatch first = batches.readValue();
        assertEquals(Instant.ofEpochMilli(0), first.getWindowStart());
        assertEquals(1, first.getPairs().size());
        assertEquals(2, first.getPairs().get(0).getVotes(), "alice and bob");
        assertEquals(0.0, lateCount());
        prefer("r1", 1, 0, "carol", 5_000);    // window 0 closed: late
        DeadLetter late = dead.readValue();
        assertTrue(late.getReason().startsWith("late"), late.getReason());
        assertEquals(1.0, lateCount(), "late events are counted");
        assertTrue(batches.isEmpty(), "a late event makes no second batch for its window");
    }

    @Test
    void theWallClockFlushesAQuietWindowAndStragglersGoInItsNextPart() {
        start(SETTINGS);
        for (String r : List.of("r1", "r2")) {
            video(r, 0, "v1", 0);
            video(r, 1, "v1", 0);
        }
        prefer("r1", 0, 1, "a", 1_000);
        driver.advanceWallClockTime(Duration.ofSeconds(13)); // wall clock past 10 s + 2 s, stream time at 1 s
        PreferenceBatch flushed = batches.readValue();
        assertEquals("v1@1970-01-01T00:00:00Z#0", flushed.getBatchId());
        prefer("r2", 0, 1, "a", 2_000);       // stream time 2 s: window 0 is still open on stream time
        assertTrue(dead.isEmpty(), "not late");
        prefer("r1", 0, 1, "b", 12_000);      // stream time closes window 0
        PreferenceBatch straggler = batches.readValue();
        assertEquals("v1@1970-01-01T00:00:00Z#1", straggler.getBatchId());
        assertEquals("r2", straggler.getPairs().get(0).getRequestId());
        assertEquals(0.0, lateCount());
    }

    double lateCount() {
        return driver.metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals(PreferenceBatcher.LATE_METRIC + "-total"))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
    }

    @Test
    void streamTimePassingEndPlusGraceClosesTheWindowWithoutTheWallClock() {
        start(SETTINGS);
        for (String r : List.of("r1", "r2")) {
            video(r, 0, "v1", 0);
            video(r, 1, "v1", 0);
        }
        prefer("r1", 0, 1, "a", 1_000);
        prefer("r2", 0, 1, "a", 11_999);       // stream time 11.999 s: window 0 still in its grace period
        assertTrue(batches.isEmpty());
        prefer("r2", 1, 0, "b", 12_000);       // stream time reaches 10 s + 2 s grace
        PreferenceBatch b = batches.readValue();
        assertEquals(Instant.ofEpochMilli(0), b.getWindowStart());
        assertEquals(1, b.getPairs().size());
        assertEquals("r1", b.getPairs().get(0).getRequestId());
        assertTrue(batches.isEmpty(), "window 1 is still open");
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
    void aVoteIsCountedOnceAcrossWindowsAndAcrossEarlyBatches() {
        start(SETTINGS); // max 3 pairs
        for (String r : List.of("r1", "r2", "r3")) {
            video(r, 0, "v1", 0);
            video(r, 1, "v1", 0);
        }
        prefer("r1", 0, 1, "a", 1_000);
        prefer("r2", 0, 1, "a", 1_000);
        prefer("r3", 0, 1, "a", 1_000);
        assertEquals(3, batches.readValue().getPairs().size(), "early batch #0");
        prefer("r1", 1, 0, "a", 2_000);       // a again on r1 (pair unordered), after r1 left in batch #0
        prefer("r1", 0, 1, "b", 2_000);       // b is new: r1 opens again in part #1
        prefer("r2", 0, 1, "a", 15_000);      // next window, same annotator and pair: still a repeat
        closeWindowsUpTo(30_000);
        PreferenceBatch rest = batches.readValue();
        assertTrue(rest.getBatchId().endsWith("#1"), rest.getBatchId());
        assertEquals(1, rest.getPairs().size());
        assertEquals(1, rest.getPairs().get(0).getVotes(), "only b's vote");
        assertEquals(2, rest.getEventsSeen());
        assertEquals(1, rest.getEventsDropped());
        assertTrue(batches.isEmpty(), "window 1 held only the repeat: no batch");
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
        assertEquals("file:/v/r1/1.pmv", p.getRejectedUri());
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
        events.pipeInput("r1", event("r1", -1, 1, "a", 1f), 1_000);
        assertTrue(dead.readValue().getReason().contains(">= 0"));
        events.pipeInput("r1", event("r1", 0, 1, " ", 1f), 1_000);
        assertTrue(dead.readValue().getReason().contains("annotator"));
        events.pipeInput("r1", event("r1", 0, 1, "x".repeat(100_000), 1f), 1_000);
        assertTrue(dead.readValue().getReason().contains("at most"));
        rawEvents.pipeInput("r1", (byte[]) null, 1_000);
        assertTrue(dead.readValue().getReason().contains("empty record"));
        rawEvents.pipeInput("r1", withUnknownSource(), 1_000);
        DeadLetter robot = dead.readValue();
        assertTrue(robot.getReason().contains("ROBOT"), robot.getReason());
        assertEquals("r1", robot.getKey());
        assertTrue(robot.getValue() != null && robot.getValue().remaining() > 5, "raw bytes kept for replay");
        rawEvents.pipeInput("r1", new byte[] {1, 2, 3}, 1_000);
        DeadLetter garbage = dead.readValue();
        assertTrue(garbage.getReason().startsWith("undecodable"), garbage.getReason());
        events.pipeInput("r1", event("r1", 0, 2, "a", 1f), 1_000);
        assertTrue(dead.readValue().getReason().contains("different encoder versions"));
        events.pipeInput("r1", event("r1", 0, 7, "a", 1f), 1_000);
        assertTrue(dead.isEmpty(), "an unknown sample waits for its video first");
        driver.advanceWallClockTime(Duration.ofSeconds(6));
        DeadLetter unknown = dead.readValue();
        assertTrue(unknown.getReason().startsWith("unknown sample"), unknown.getReason());
        assertEquals(Topics.PREFERENCE_EVENTS.name(), unknown.getOriginalTopic());
        assertTrue(unknown.getValue() != null && unknown.getValue().remaining() > 5, "raw bytes kept after the join");
        assertTrue(batches.isEmpty() && dead.isEmpty());
    }

    @Test
    void poisonOnEveryTopicTheAppReadsIsDeadLetteredOnceAndBatchingGoesOn() {
        start(SETTINGS);
        Set<String> read = topicsRead();
        assertTrue(read.containsAll(Set.of(Topics.GENERATED_VIDEOS.name(), Topics.PREFERENCE_EVENTS.name()))
                && read.stream().filter(t -> t.endsWith("-repartition")).count() == 3, read.toString());
        byte[] poison = "poison-payload".getBytes(StandardCharsets.UTF_8);
        for (String topic : read) {
            driver.createInputTopic(topic, Serdes.String().serializer(), Serdes.ByteArray().serializer())
                    .pipeInput("r-poison", poison, 1_000);
            DeadLetter d = dead.readValue();
            assertEquals(topic, d.getOriginalTopic());
            assertEquals("r-poison", d.getKey());
            assertTrue(d.getReason().startsWith("undecodable"), d.getReason());
            assertFalse(d.getReason().contains("poison-payload"), "the reason does not echo the record");
            assertEquals("stream-processors", d.getComponent());
            assertTrue(dead.isEmpty(), "one dead letter for the poison on " + topic);
        }
        video("r1", 0, "v1", 0);
        video("r1", 1, "v1", 0);
        prefer("r1", 1, 0, "alice", 1_000);
        closeWindowsUpTo(12_001);
        assertEquals(1, batches.readValue().getPairs().size(), "batching goes on");
        assertTrue(dead.isEmpty());
    }

    /** Every topic the topology reads, its repartition topics named as the running app names them. */
    Set<String> topicsRead() {
        Set<String> topics = new TreeSet<>();
        for (TopologyDescription.Subtopology sub : topology.describe().subtopologies()) {
            for (TopologyDescription.Node node : sub.nodes()) {
                if (node instanceof TopologyDescription.Source source) {
                    for (String t : source.topicSet()) {
                        boolean ours = t.startsWith("physmaster.") || t.startsWith(PreferenceBatchTopology.APP_ID);
                        topics.add(ours ? t : PreferenceBatchTopology.APP_ID + "-" + t);
                    }
                }
            }
        }
        return topics;
    }

    /** A PreferenceEvent written by a producer whose schema knows a source we do not. */
    byte[] withUnknownSource() {
        Schema newer = new Schema.Parser().parse(PreferenceEvent.getClassSchema().toString()
                .replace("[\"HUMAN\",\"JUDGE\"]", "[\"HUMAN\",\"JUDGE\",\"ROBOT\"]"));
        GenericRecord r = new GenericData.Record(newer);
        r.put("eventId", "x");
        r.put("requestId", "r1");
        r.put("preferredSample", 0);
        r.put("rejectedSample", 1);
        r.put("source", new GenericData.EnumSymbol(newer.getField("source").schema(), "ROBOT"));
        r.put("annotator", "robot-1");
        r.put("confidence", 1f);
        r.put("time", 1_000L);
        return new AvroSerializer<GenericRecord>(registry, false, true, false)
                .serialize(Topics.PREFERENCE_EVENTS.name(), r);
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
