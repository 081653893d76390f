package io.physmaster.streams;

import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.PreferenceEvent;
import io.physmaster.schemas.PreferenceSource;
import io.physmaster.serde.AvroSerializer;
import io.physmaster.serde.PhysSerdes;
import io.physmaster.stack.LocalStack;
import io.physmaster.stack.LocalStackConfig;
import io.physmaster.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Streams throughput on the real local broker (prints figures; not a test): N preference events over a video
 * table, through validation, the join, the repartition and the windows, exactly-once. Measures events per
 * second from the app's start until its committed offsets reach the end of the events topic. Writes
 * docs/results/bench-streams.json.
 * <pre>
 *   mvn -B -q -pl stream-processors exec:java -Dexec.classpathScope=test \
 *       -Dexec.mainClass=io.physmaster.streams.StreamsThroughputBenchmark [-Dexec.args=200000]
 * </pre>
 */
public final class StreamsThroughputBenchmark {

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int requests = 2_000;
        Path root = Path.of(System.getProperty("physmaster.root", "."));
        try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral());
             PhysSerdes serdes = PhysSerdes.of(Map.of("schema.registry.url", stack.schemaRegistryUrl()))) {
            AvroSerializer<SpecificRecord> ser = new AvroSerializer<>(serdes.registry(), false, true, false);
            Map<String, Object> pc = new HashMap<>();
            pc.put("bootstrap.servers", stack.bootstrapServers());
            pc.put("linger.ms", 20);
            pc.put("batch.size", 262_144);
            try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(pc, new StringSerializer(), new ByteArraySerializer())) {
                for (int r = 0; r < requests; r++) {
                    for (int s = 0; s < 2; s++) {
                        GeneratedVideo v = GeneratedVideo.newBuilder().setRequestId("r" + r).setSampleIndex(s).setSeed(s)
                                .setVideoUri("file:/v/" + r + "/" + s).setFormat("mp4").setFrames(16).setWidth(256)
                                .setHeight(256).setSha256("x").setEncoderVersion("bench").setModelVersion("m")
                                .setLatencyMs(1).setCreatedAt(Instant.now()).build();
                        p.send(new ProducerRecord<>(Topics.GENERATED_VIDEOS.name(), "r" + r,
                                ser.serialize(Topics.GENERATED_VIDEOS.name(), v)));
                    }
                }
                for (int i = 0; i < events; i++) {
                    String r = "r" + (i % requests);
                    PreferenceEvent e = PreferenceEvent.newBuilder().setEventId("e" + i).setRequestId(r)
                            .setPreferredSample(i % 2).setRejectedSample(1 - i % 2).setSource(PreferenceSource.HUMAN)
                            .setAnnotator("a" + (i / requests)).setConfidence(0.9f).setTime(Instant.now()).build();
                    p.send(new ProducerRecord<>(Topics.PREFERENCE_EVENTS.name(), r,
                            ser.serialize(Topics.PREFERENCE_EVENTS.name(), e)));
                }
            }
            StreamsSettings settings = new StreamsSettings(Duration.ofSeconds(10), Duration.ofSeconds(2), 1_000_000,
                    0.5f, Duration.ofSeconds(30));
            Path state = Files.createTempDirectory("bench-streams");
            long t0 = System.nanoTime();
            try (KafkaStreams streams = new KafkaStreams(PreferenceBatchTopology.build(settings,
                    PreferenceStreamsApp.serdes(serdes)), PreferenceStreamsApp.config(stack.bootstrapServers(), state));
                 Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
                streams.start();
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                for (int part = 0; part < Topics.PREFERENCE_EVENTS.partitions(); part++) {
                    latest.put(new TopicPartition(Topics.PREFERENCE_EVENTS.name(), part), OffsetSpec.latest());
                }
                var ends = admin.listOffsets(latest).all().get();
                while (true) {
                    var committed = admin.listConsumerGroupOffsets(PreferenceBatchTopology.APP_ID)
                            .partitionsToOffsetAndMetadata().get();
                    boolean done = ends.entrySet().stream().allMatch(e -> committed.get(e.getKey()) != null
                            && committed.get(e.getKey()).offset() >= e.getValue().offset());
                    if (done) {
                        break;
                    }
                    Thread.sleep(200);
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            String json = String.format(Locale.ROOT, "{%n  \"events\": %d,%n  \"seconds\": %.3f,%n"
                            + "  \"events_per_s\": %.0f,%n  \"guarantee\": \"exactly_once_v2\",%n  \"cores\": %d,%n"
                            + "  \"note\": \"from app start (includes startup and state restore) to committed offsets at the end of the events topic\",%n"
                            + "  \"command\": \"mvn -B -q -pl stream-processors exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.physmaster.streams.StreamsThroughputBenchmark\"%n}%n",
                    events, secs, events / secs, Runtime.getRuntime().availableProcessors());
            Path out = root.resolve("docs/results/bench-streams.json");
            Files.createDirectories(out.getParent());
            Files.writeString(out, json);
            System.out.print(json);
        }
        System.exit(0);
    }

    private StreamsThroughputBenchmark() {
    }
}
