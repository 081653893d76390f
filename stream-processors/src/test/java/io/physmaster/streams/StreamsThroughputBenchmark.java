package io.physmaster.streams;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.physmaster.console.Progress;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Streams throughput on the real local broker (prints figures; not a test): N preference events over a video
 * table, through decoding and checks, the repartition by request id, the video join, the repartition by encoder
 * version and the batcher, exactly-once. Measures events per second from the app reaching RUNNING until its
 * committed offsets cover the events topic and both repartition topics on the way, and the sustained rate once
 * the first quarter of the events is through. Merges the figures into docs/results/bench-streams.json under
 * "throughput".
 * <pre>
 *   mvn -B -q -pl stream-processors exec:java -Dexec.classpathScope=test \
 *       -Dexec.mainClass=io.physmaster.streams.StreamsThroughputBenchmark [-Dexec.args=1000000]
 *   (-Dexec.args='N [threads [key=value ...]]': events (default 1000000), stream threads (default 1), Kafka
 *   Streams settings over the app's own; needs the installed schemas and local-stack modules)
 * </pre>
 */
public final class StreamsThroughputBenchmark {

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int requests = 2_000;
        Path root = Path.of(System.getProperty("physmaster.root", "."));
        try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral());
             PhysSerdes serdes = PhysSerdes.of(Map.of("schema.registry.url", stack.schemaRegistryUrl()))) {
            AvroSerializer<SpecificRecord> ser = new AvroSerializer<>(serdes.registry(), false, true, false);
            Map<String, Object> pc = new HashMap<>();
            pc.put("bootstrap.servers", stack.bootstrapServers());
            pc.put("linger.ms", 20);
            pc.put("batch.size", 262_144);
            Progress loading = Progress.start("loading events", events);
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
                    if (i % 1000 == 999) {
                        loading.update(i + 1, "produced");
                    }
                }
            }
            loading.done(events + " events over " + 2 * requests + " videos on the broker");
            // Realistic batching (64 pairs per batch, so ~N/64 early batches are emitted), but a window long
            // enough that the wall clock does not close it while the pre-loaded events are processed.
            StreamsSettings settings = new StreamsSettings(Duration.ofMinutes(10), Duration.ofMinutes(1), 64,
                    0.5f, Duration.ofSeconds(30), Duration.ofHours(24));
            Path state = Files.createTempDirectory("bench-streams");
            Properties config = PreferenceStreamsApp.config(stack.bootstrapServers(), state);
            config.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
            Map<String, String> overrides = new LinkedHashMap<>();
            for (int i = 2; i < args.length; i++) { // key=value: any Kafka Streams config, to compare settings
                int eq = args[i].indexOf('=');
                if (eq < 1) {
                    throw new IllegalArgumentException("expected key=value, got " + args[i]);
                }
                overrides.put(args[i].substring(0, eq), args[i].substring(eq + 1));
            }
            config.putAll(overrides);
            long t0 = System.nanoTime();
            long[] running = {0};
            double secsRunning;
            Tracked tracked;
            Progress streaming = Progress.start("streams app", events);
            try (KafkaStreams streams = new KafkaStreams(PreferenceBatchTopology.build(settings,
                    PreferenceStreamsApp.serdes(serdes)), config);
                 Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
                streams.setStateListener((now, before) -> {
                    if (now == KafkaStreams.State.RUNNING && running[0] == 0) {
                        running[0] = System.nanoTime();
                    }
                });
                streams.start();
                tracked = track(admin, events, streaming);
                secsRunning = (tracked.doneNanos() - running[0]) / 1e9;
            }
            streaming.done("committed through all three stages");
            double secs = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("events", events);
            figures.put("events_per_s", Math.round(events / secsRunning));
            double warmSecs = (tracked.doneNanos() - tracked.warmNanos()) / 1e9;
            figures.put("events_per_s_after_warm_up", Math.round((tracked.doneOffset() - tracked.warmOffset()) / warmSecs));
            figures.put("warm_up", "the first " + Math.round(WARM_UP * 100) + " % of the events through the batcher"
                    + " (JIT compilation, caches, producer batches reaching size); after it, " + round(warmSecs) + " s");
            figures.put("seconds_running", round(secsRunning));
            figures.put("seconds_including_startup", round(secs));
            figures.put("events_per_s_including_startup", Math.round(events / secs));
            figures.put("guarantee", "exactly_once_v2");
            figures.put("stream_threads", threads);
            figures.put("cores", Runtime.getRuntime().availableProcessors());
            figures.put("settings", settings.toProperties());
            if (!overrides.isEmpty()) {
                figures.put("streams_config_overrides", overrides);
            }
            figures.put("note", "events pre-loaded on the broker; timed from the app reaching RUNNING until its"
                    + " committed offsets cover the events topic and both repartition topics after it (decode and"
                    + " check, repartition by request id, video join, repartition by encoder version, dedupe,"
                    + " windows, 64-pair batches out); broker, registry and app"
                    + " share the 2 cores. events_per_s counts the whole run, events_per_s_after_warm_up the rate once"
                    + " the batcher has committed the first quarter of the events (a sustained service's rate;"
                    + " offsets include a transaction marker per commit, about 1 per second)");
            figures.put("command", "mvn -B -q -o -pl stream-processors exec:java -Dexec.classpathScope=test"
                    + " -Dexec.mainClass=io.physmaster.streams.StreamsThroughputBenchmark -Dexec.args='" + (args.length == 0 ? events + " " + threads : String.join(" ", args))
                    + "'");
            figures.put("measured_at", Instant.now().toString());
            Path out = root.resolve("docs/results/bench-streams.json");
            writeMerged(out, "throughput", figures);
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(figures));
        }
        System.exit(0);
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Keys an earlier version of this benchmark wrote at the top level; now under "throughput". */
    private static final List<String> LEGACY = List.of("events", "seconds", "events_per_s", "guarantee", "cores",
            "note", "command");

    /** Share of the events the batcher must have committed before the sustained rate is timed. */
    static final double WARM_UP = 0.25;

    /** The tracked stages, in order, as the progress line names them. */
    private static final List<String> STAGES = List.of("decode and check", "video join", "batcher");

    /** When (nanoTime) and at which repartition offset the warm-up ended and the run was done. */
    record Tracked(long warmNanos, long warmOffset, long doneNanos, long doneOffset) {
    }

    /**
     * Follows the app's committed offsets stage by stage: the events topic (decode and check), then the
     * preferences-by-request topic (video join), then the by-encoder-version topic the batcher reads. A stage's
     * end is final once the stage before it is committed (its writes commit with those input offsets), so it is
     * read then; -1 allows for a trailing transaction marker. The batcher's committed offset is the pipeline's
     * progress (shown on {@code shown}): the warm-up ends when it passes WARM_UP of the events.
     */
    static Tracked track(Admin admin, int events, Progress shown) throws Exception {
        TopicPartition batcherInput = new TopicPartition(repartitionTopic(PreferenceBatchTopology.BY_ENCODER_VERSION),
                0);
        List<List<TopicPartition>> stages = List.of(partitions(Topics.PREFERENCE_EVENTS.name(),
                        Topics.PREFERENCE_EVENTS.partitions()),
                partitions(repartitionTopic(PreferenceBatchTopology.PREFERENCES_BY_REQUEST),
                        PreferenceBatchTopology.REQUEST_PARTITIONS),
                List.of(batcherInput));
        int stage = 0;
        Map<TopicPartition, Long> ends = endOffsets(admin, stages.get(0));
        long warmNanos = 0;
        long warmOffset = 0;
        long deadline = System.currentTimeMillis() + 1_800_000;
        while (true) {
            long now = System.nanoTime();
            var committed = admin.listConsumerGroupOffsets(PreferenceBatchTopology.APP_ID)
                    .partitionsToOffsetAndMetadata().get();
            long batched = committed.get(batcherInput) == null ? 0 : committed.get(batcherInput).offset();
            if (warmNanos == 0 && batched >= WARM_UP * events) {
                warmNanos = now;
                warmOffset = batched;
            }
            while (stage < stages.size() && covered(committed, ends, stage == 0 ? 0 : 1)) {
                stage++;
                if (stage < stages.size()) {
                    ends = endOffsets(admin, stages.get(stage));
                }
            }
            shown.update(Math.min(batched, events), stage < STAGES.size()
                    ? "batched (" + STAGES.get(stage) + " catching up)" : "batched (all stages committed)");
            if (stage == stages.size() && warmNanos > 0) {
                return new Tracked(warmNanos, warmOffset, now, batched);
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("streams app did not catch up in 30 min: committed " + committed);
            }
            Thread.sleep(100);
        }
    }

    static String repartitionTopic(String name) {
        return PreferenceBatchTopology.APP_ID + "-" + name + "-repartition";
    }

    private static List<TopicPartition> partitions(String topic, int count) {
        List<TopicPartition> out = new ArrayList<>();
        for (int part = 0; part < count; part++) {
            out.add(new TopicPartition(topic, part));
        }
        return out;
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, List<TopicPartition> partitions)
            throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
        return ends;
    }

    /** Whether the committed offsets reach every end (less {@code slack}); a partition never written needs none. */
    private static boolean covered(Map<TopicPartition, OffsetAndMetadata> committed, Map<TopicPartition, Long> ends,
                                   int slack) {
        return ends.entrySet().stream().allMatch(e -> e.getValue() == 0 || (committed.get(e.getKey()) != null
                && committed.get(e.getKey()).offset() >= e.getValue() - slack));
    }

    /**
     * Puts the figures under {@code key} in the results file, keeping every other key already there (and dropping
     * the top-level keys an early version of this benchmark wrote).
     */
    static void writeMerged(Path out, String key, Map<String, Object> figures) throws Exception {
        Files.createDirectories(out.getParent());
        ObjectNode root = Files.exists(out) ? (ObjectNode) JSON.readTree(out.toFile()) : JSON.createObjectNode();
        LEGACY.forEach(root::remove);
        root.set(key, JSON.valueToTree(figures));
        Files.writeString(out, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }

    private static double round(double secs) {
        return Math.round(secs * 1000) / 1000.0;
    }

    private StreamsThroughputBenchmark() {
    }
}
