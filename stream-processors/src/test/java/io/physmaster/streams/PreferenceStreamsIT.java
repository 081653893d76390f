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

    static <T> List<T> read(String topic, Class<T> type, java.util.function.Predicate<T> match, int want,
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
            while (out.size() < want && System.currentTimeMillis() < deadline) {
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
            producer.flush();

            List<PreferenceBatch> batches = read(Topics.PREFERENCE_BATCHES.name(), PreferenceBatch.class,
                    b -> b.getEncoderVersion().equals(version), 1, Duration.ofSeconds(60));
            int pairs = batches.stream().mapToInt(b -> b.getPairs().size()).sum();
            assertEquals(3, pairs, "three requests, one pair each");
            assertTrue(batches.get(0).getPairs().get(0).getPreferredUri().endsWith("1"));
            List<DeadLetter> dead = read(Topics.DEAD_LETTERS.name(), DeadLetter.class,
                    d -> badKey.equals(d.getKey()), 1, Duration.ofSeconds(30));
            assertTrue(dead.get(0).getReason().contains("same sample"), dead.get(0).getReason());
        }
    }
}
