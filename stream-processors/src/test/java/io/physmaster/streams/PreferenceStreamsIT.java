package io.physmaster.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.schemas.DeadLetter;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.schemas.PreferenceEvent;
import io.physmaster.schemas.PreferenceSource;
import io.physmaster.serde.AvroDeserializer;
import io.physmaster.serde.PhysSerdes;
import io.physmaster.stack.LocalStackExtension;
import io.physmaster.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The batcher on the real broker and registry, exactly-once. */
@ExtendWith(LocalStackExtension.class)
class PreferenceStreamsIT {

    @TempDir
    Path state;

    /** Reads matching records (read_committed) until {@code enough} says so or the timeout passes. */
    static <T> List<T> read(String topic, Class<T> type, Predicate<T> match, Predicate<List<T>> enough,
                            Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalStackExtension.stack().bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        AvroDeserializer<T> de = new AvroDeserializer<>(type);
        de.configure(new HashMap<>(LocalStackExtension.stack().clientConfigs()), false);
        List<T> out = new ArrayList<>();
        try (KafkaConsumer<String, T> c = new KafkaConsumer<>(p, new StringDeserializer(), de)) {
            c.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + timeout.toMillis();
            while (!enough.test(out) && System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(300)).forEach(r -> {
                    if (match.test(r.value())) {
                        out.add(r.value());
                    }
                });
            }
        }
        return out;
    }

    @Test
    void preferenceEventsInABatchOutInvalidOnesDeadLettered() throws Exception {
        var stack = LocalStackExtension.stack();
        StreamsSettings settings = new StreamsSettings(Duration.ofSeconds(2), Duration.ofSeconds(1), 64, 0.5f,
                Duration.ofSeconds(3));
        String version = "it-" + UUID.randomUUID().toString().substring(0, 8);
        try (PhysSerdes serdes = PhysSerdes.of(Map.of("schema.registry.url", stack.schemaRegistryUrl()));
             KafkaStreams streams = new KafkaStreams(PreferenceBatchTopology.build(settings,
                     PreferenceStreamsApp.serdes(serdes)), PreferenceStreamsApp.config(stack.bootstrapServers(), state));
             KafkaProducer<String, SpecificRecord> producer = new KafkaProducer<>(
                     Map.of("bootstrap.servers", stack.bootstrapServers()), new StringSerializer(),
                     new io.physmaster.serde.AvroSerializer<>(serdes.registry(), false, true, false))) {
            streams.start();
            long deadline = System.currentTimeMillis() + 60_000;
            while (streams.state() != KafkaStreams.State.RUNNING && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            List<String> requests = List.of("a-" + version, "b-" + version, "c-" + version);
            for (String r : requests) {
                for (int s = 0; s < 2; s++) {
                    producer.send(new ProducerRecord<>(Topics.GENERATED_VIDEOS.name(), r, GeneratedVideo.newBuilder()
                            .setRequestId(r).setSampleIndex(s).setSeed(s).setVideoUri("file:/v/" + r + s).setFormat("mp4")
                            .setFrames(16).setWidth(256).setHeight(256).setSha256("x").setEncoderVersion(version)
                            .setModelVersion("m").setLatencyMs(1).setCreatedAt(Instant.now()).build()));
                }
            }
            producer.flush();
            Thread.sleep(500);
            for (String r : requests) {
                producer.send(new ProducerRecord<>(Topics.PREFERENCE_EVENTS.name(), r, PreferenceEvent.newBuilder()
                        .setEventId(UUID.randomUUID().toString()).setRequestId(r).setPreferredSample(1)
                        .setRejectedSample(0).setSource(PreferenceSource.JUDGE).setAnnotator("judge")
                        .setConfidence(0.9f).setTime(Instant.now()).build()));
            }
            String badKey = "bad-" + version;
            producer.send(new ProducerRecord<>(Topics.PREFERENCE_EVENTS.name(), badKey, PreferenceEvent.newBuilder()
                    .setEventId("e").setRequestId(badKey).setPreferredSample(0).setRejectedSample(0)
                    .setSource(PreferenceSource.HUMAN).setAnnotator("x").setConfidence(1f).setTime(Instant.now()).build()));
            String noVideos = "novideo-" + version;   // no GeneratedVideo ever: waits videoWait, then dead
            producer.send(new ProducerRecord<>(Topics.PREFERENCE_EVENTS.name(), noVideos, PreferenceEvent.newBuilder()
                    .setEventId("n").setRequestId(noVideos).setPreferredSample(0).setRejectedSample(1)
                    .setSource(PreferenceSource.HUMAN).setAnnotator("x").setConfidence(1f).setTime(Instant.now()).build()));
            producer.flush();

            // The three pairs may land in one batch or, across a window boundary, in two.
            List<PreferenceBatch> batches = read(Topics.PREFERENCE_BATCHES.name(), PreferenceBatch.class,
                    b -> b.getEncoderVersion().equals(version),
                    got -> got.stream().mapToInt(b -> b.getPairs().size()).sum() >= 3, Duration.ofSeconds(90));
            var pairs = batches.stream().flatMap(b -> b.getPairs().stream()).toList();
            assertEquals(3, pairs.size(), "three requests, one pair each: " + batches);
            assertEquals(new java.util.HashSet<>(requests),
                    pairs.stream().map(p -> p.getRequestId()).collect(Collectors.toSet()));
            for (var pair : pairs) {
                assertEquals("file:/v/" + pair.getRequestId() + "1", pair.getPreferredUri());
                assertEquals("file:/v/" + pair.getRequestId() + "0", pair.getRejectedUri());
                assertEquals(version, pair.getEncoderVersion());
            }
            for (PreferenceBatch b : batches) {
                assertTrue(b.getBatchId().startsWith(version + "@"), b.getBatchId());
            }

            List<DeadLetter> dead = read(Topics.DEAD_LETTERS.name(), DeadLetter.class,
                    d -> badKey.equals(d.getKey()) || noVideos.equals(d.getKey()), got -> got.size() >= 2,
                    Duration.ofSeconds(60));
            Map<String, String> reasons = dead.stream().collect(Collectors.toMap(DeadLetter::getKey,
                    DeadLetter::getReason));
            assertTrue(reasons.getOrDefault(badKey, "").contains("same sample"), reasons.toString());
            assertTrue(reasons.getOrDefault(noVideos, "").startsWith("unknown sample"), reasons.toString());
        }
    }
}
