package io.physmaster.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.role.MetricsEndpoint;
import io.physmaster.role.MetricsScrape;
import io.physmaster.schemas.DeadLetter;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.schemas.PreferenceEvent;
import io.physmaster.schemas.PreferencePair;
import io.physmaster.schemas.PreferenceSource;
import io.physmaster.serde.AvroDeserializer;
import io.physmaster.serde.AvroSerializer;
import io.physmaster.serde.PhysSerdes;
import io.physmaster.stack.LocalStackExtension;
import io.physmaster.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The batcher on the real broker and registry, exactly-once; one app for the class, each test its own version. */
@ExtendWith(LocalStackExtension.class)
class PreferenceStreamsIT {

    static final StreamsSettings SETTINGS = new StreamsSettings(Duration.ofSeconds(2), Duration.ofSeconds(1), 64,
            0.5f, Duration.ofSeconds(3));

    @TempDir
    static Path state;

    static PhysSerdes serdes;
    static KafkaStreams streams;
    /** The app's metrics endpoint, as `physmaster streams` serves it, on a free port. */
    static MetricsEndpoint metrics;
    /** A Java producer: murmur2 partitioning, like our own roles. */
    static KafkaProducer<String, SpecificRecord> producer;

    @BeforeAll
    static void startApp() throws Exception {
        var stack = LocalStackExtension.stack();
        serdes = PhysSerdes.of(Map.of("schema.registry.url", stack.schemaRegistryUrl()));
        streams = new KafkaStreams(PreferenceBatchTopology.build(SETTINGS, PreferenceStreamsApp.serdes(serdes)),
                PreferenceStreamsApp.config(stack.bootstrapServers(), state));
        producer = producer(Map.of());
        streams.start();
        long deadline = System.currentTimeMillis() + 60_000;
        while (streams.state() != KafkaStreams.State.RUNNING && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        metrics = new MetricsEndpoint("streams");
        PreferenceStreamsApp.bindMetrics(metrics, streams);
        metrics.serve(MetricsEndpoint.DEFAULT_HOST, 0);
    }

    @AfterAll
    static void stopApp() {
        metrics.close();
        producer.close();
        streams.close(Duration.ofSeconds(30));
        serdes.close();
    }

    static KafkaProducer<String, SpecificRecord> producer(Map<String, Object> extra) {
        Map<String, Object> config = new HashMap<>(extra);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalStackExtension.stack().bootstrapServers());
        return new KafkaProducer<>(config, new StringSerializer(), new AvroSerializer<>(serdes.registry(), false,
                true, false));
    }

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

    /** The pairs of every batch of this encoder version, once there are {@code pairs} of them (or a timeout). */
    static List<PreferencePair> batchedPairs(String version, int pairs) {
        List<PreferenceBatch> batches = read(Topics.PREFERENCE_BATCHES.name(), PreferenceBatch.class,
                b -> b.getEncoderVersion().equals(version),
                got -> got.stream().mapToInt(b -> b.getPairs().size()).sum() >= pairs, Duration.ofSeconds(90));
        for (PreferenceBatch b : batches) {
            assertTrue(b.getBatchId().startsWith(version + "@"), b.getBatchId());
        }
        return batches.stream().flatMap(b -> b.getPairs().stream()).toList();
    }

    static GeneratedVideo video(String request, int sample, String version) {
        return GeneratedVideo.newBuilder().setRequestId(request).setSampleIndex(sample).setSeed(sample)
                .setVideoUri("file:/v/" + request + sample).setFormat("mp4").setFrames(16).setWidth(256)
                .setHeight(256).setSha256("x").setEncoderVersion(version).setModelVersion("m").setLatencyMs(1)
                .setCreatedAt(Instant.now()).build();
    }

    static PreferenceEvent preference(String request) {
        return PreferenceEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setRequestId(request)
                .setPreferredSample(1).setRejectedSample(0).setSource(PreferenceSource.JUDGE).setAnnotator("judge")
                .setConfidence(0.9f).setTime(Instant.now()).build();
    }

    static String newVersion() {
        return "it-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void preferenceEventsInABatchOutInvalidOnesDeadLettered() throws Exception {
        String version = newVersion();
        List<String> requests = List.of("a-" + version, "b-" + version, "c-" + version);
        for (String r : requests) {
            for (int s = 0; s < 2; s++) {
                producer.send(new ProducerRecord<>(Topics.GENERATED_VIDEOS.name(), r, video(r, s, version)));
            }
        }
        producer.flush();
        Thread.sleep(500);
        for (String r : requests) {
            producer.send(new ProducerRecord<>(Topics.PREFERENCE_EVENTS.name(), r, preference(r)));
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
        var pairs = batchedPairs(version, 3);
        assertEquals(3, pairs.size(), "three requests, one pair each: " + pairs);
        assertEquals(new HashSet<>(requests), pairs.stream().map(p -> p.getRequestId()).collect(Collectors.toSet()));
        for (var pair : pairs) {
            assertEquals("file:/v/" + pair.getRequestId() + "1", pair.getPreferredUri());
            assertEquals("file:/v/" + pair.getRequestId() + "0", pair.getRejectedUri());
            assertEquals(version, pair.getEncoderVersion());
        }

        List<DeadLetter> dead = read(Topics.DEAD_LETTERS.name(), DeadLetter.class,
                d -> badKey.equals(d.getKey()) || noVideos.equals(d.getKey()), got -> got.size() >= 2,
                Duration.ofSeconds(60));
        Map<String, String> reasons = dead.stream().collect(Collectors.toMap(DeadLetter::getKey,
                DeadLetter::getReason));
        assertTrue(reasons.getOrDefault(badKey, "").contains("same sample"), reasons.toString());
        assertTrue(reasons.getOrDefault(noVideos, "").startsWith("unknown sample"), reasons.toString());
    }

    @Test
    void anUndecodableVideoIsDeadLetteredAndLaterTrafficIsStillBatched() throws Exception {
        String version = newVersion();
        String poisonKey = "poison-" + version;
        try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                LocalStackExtension.stack().bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            raw.send(new ProducerRecord<>(Topics.GENERATED_VIDEOS.name(), poisonKey,
                    "not a GeneratedVideo".getBytes(StandardCharsets.UTF_8))).get();
        }
        List<String> requests = List.of("a-" + version, "b-" + version);
        for (String r : requests) {
            for (int s = 0; s < 2; s++) {
                producer.send(new ProducerRecord<>(Topics.GENERATED_VIDEOS.name(), r, video(r, s, version)));
            }
        }
        producer.flush();
        for (String r : requests) {
            producer.send(new ProducerRecord<>(Topics.PREFERENCE_EVENTS.name(), r, preference(r)));
        }
        producer.flush();

        var pairs = batchedPairs(version, requests.size());
        assertEquals(new HashSet<>(requests), pairs.stream().map(p -> p.getRequestId()).collect(Collectors.toSet()));
        List<DeadLetter> dead = read(Topics.DEAD_LETTERS.name(), DeadLetter.class,
                d -> poisonKey.equals(d.getKey()), got -> !got.isEmpty(), Duration.ofSeconds(30));
        assertEquals(1, dead.size(), "one dead letter for the undecodable video");
        assertEquals(Topics.GENERATED_VIDEOS.name(), dead.get(0).getOriginalTopic());
        assertTrue(dead.get(0).getReason().startsWith("undecodable"), dead.get(0).getReason());
        assertFalse(dead.get(0).getReason().contains("not a GeneratedVideo"), "the reason does not echo the record");
    }

    /**
     * Videos from a Java worker and preferences from a librdkafka client (and the other way round) land on
     * different partition numbers for most request ids; every preference must still be joined and batched.
     */
    @Test
    void preferencesAndVideosPartitionedByLibrdkafkaClientsAreAllJoined() throws Exception {
        String version = newVersion();
        int partitions = Topics.PREFERENCE_EVENTS.partitions();
        List<String> requests = new ArrayList<>();
        int elsewhere = 0;
        for (int i = 0; i < 12; i++) {
            String r = "crc-" + i + "-" + version;
            requests.add(r);
            byte[] key = r.getBytes(StandardCharsets.UTF_8);
            if (LibrdkafkaPartitioner.partition(key, partitions) != Utils.toPositive(Utils.murmur2(key)) % partitions) {
                elsewhere++;
            }
        }
        assertTrue(elsewhere >= requests.size() / 2, "most request ids land elsewhere: " + elsewhere);
        try (KafkaProducer<String, SpecificRecord> librdkafka = producer(Map.of(
                ProducerConfig.PARTITIONER_CLASS_CONFIG, LibrdkafkaPartitioner.class.getName()))) {
            for (int i = 0; i < requests.size(); i++) {
                String r = requests.get(i);
                var videos = i % 2 == 0 ? producer : librdkafka;
                for (int s = 0; s < 2; s++) {
                    videos.send(new ProducerRecord<>(Topics.GENERATED_VIDEOS.name(), r, video(r, s, version)));
                }
            }
            producer.flush();
            librdkafka.flush();
            for (int i = 0; i < requests.size(); i++) {
                String r = requests.get(i);
                (i % 2 == 0 ? librdkafka : producer).send(new ProducerRecord<>(Topics.PREFERENCE_EVENTS.name(), r,
                        preference(r)));
            }
        }
        producer.flush();

        var pairs = batchedPairs(version, requests.size());
        Set<String> joined = pairs.stream().map(PreferencePair::getRequestId).collect(Collectors.toSet());
        assertEquals(new HashSet<>(requests), joined, elsewhere + " of " + requests.size()
                + " request ids are on another partition for librdkafka than for Java");
        assertEquals(requests.size(), pairs.size());
    }

    @Test
    void theMetricsEndpointServesKafkaStreamsMetricsOnceEventsFlow() throws Exception {
        String version = newVersion();
        String request = "metrics-" + version;
        for (int s = 0; s < 2; s++) {
            producer.send(new ProducerRecord<>(Topics.GENERATED_VIDEOS.name(), request, video(request, s, version)));
        }
        producer.flush();
        producer.send(new ProducerRecord<>(Topics.PREFERENCE_EVENTS.name(), request, preference(request)));
        producer.flush();
        assertEquals(1, batchedPairs(version, 1).size());

        String text = MetricsScrape.get(metrics.port());
        // Two videos and one preference in, each through its repartition topic too; commits once a second.
        assertTrue(MetricsScrape.sum(text, "kafka_stream_thread_process_total", "role=\"streams\"") >= 6, text);
        assertTrue(MetricsScrape.sum(text, "kafka_stream_thread_commit_total") >= 1, text);
        assertEquals(1.0, MetricsScrape.sum(text, "kafka_stream_alive_stream_threads"), text);
        assertFalse(MetricsScrape.values(text, "kafka_consumer_fetch_manager_records_lag_max").isEmpty(),
                "the embedded consumers' lag");
        assertTrue(MetricsScrape.sum(text, "kafka_stream_preference_batcher_late_preferences_total") >= 0,
                "our own sensor (late preferences) is exported too");
        assertTrue(MetricsScrape.sum(text, "jvm_memory_used_bytes", "role=\"streams\"") > 0, text);
        assertTrue(MetricsScrape.sum(text, "process_resident_memory_bytes") > 0, text);
    }
}
