package io.physmaster.streams;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.physmaster.console.Progress;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.schemas.PreferenceEvent;
import io.physmaster.schemas.PreferenceSource;
import io.physmaster.serde.AvroDeserializer;
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
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The Streams app's share of the encoder-update latency (prints figures; not a test): from a batch being due to
 * a consumer (read_committed, as the trainer reads) having it, on the real local broker, exactly-once.
 * <ul>
 *   <li>size trigger: 64 preferences on 64 requests; timed from the 64th event acknowledged by the broker;</li>
 *   <li>window close: 8 preferences in a 10 s window with 2 s grace; timed from the wall clock passing window end
 *       + grace (a quiet stream: the app's 1 s wall-clock punctuation emits it).</li>
 * </ul>
 * Each round uses its own encoder version (its own windows). Merged into docs/results/bench-streams.json under
 * "batch_emit_latency"; the launcher's EndToEndUpdateLatencyBenchmark times the whole path with every role.
 * <pre>
 *   mvn -B -q -pl stream-processors exec:java -Dexec.classpathScope=test \
 *       -Dexec.mainClass=io.physmaster.streams.BatchEmitLatencyBenchmark
 * </pre>
 */
public final class BatchEmitLatencyBenchmark {

    static final int ROUNDS = 5;
    static final Duration WINDOW = Duration.ofSeconds(10);
    static final Duration GRACE = Duration.ofSeconds(2);

    public static void main(String[] args) throws Exception {
        Path root = Path.of(System.getProperty("physmaster.root", "."));
        StreamsSettings settings = new StreamsSettings(WINDOW, GRACE, 64, 0.5f, Duration.ofSeconds(30));
        Map<String, Long> seen = new ConcurrentHashMap<>(); // batch's encoder version -> nanoTime first read
        Map<String, Integer> sizes = new ConcurrentHashMap<>();
        List<Double> bySize = new ArrayList<>();
        List<Double> byClose = new ArrayList<>();
        int rounds = 2 * ROUNDS + 2;
        // Each round's figure is a line of its own; plain progress lines only every 30 s between them.
        Progress progress = Progress.builder("batch-emit rounds").total(rounds).step(0).build();
        progress.update(0, "starting the local stack and the Streams app");
        try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral());
             PhysSerdes serdes = PhysSerdes.of(Map.of("schema.registry.url", stack.schemaRegistryUrl()));
             KafkaStreams streams = new KafkaStreams(PreferenceBatchTopology.build(settings,
                     PreferenceStreamsApp.serdes(serdes)), PreferenceStreamsApp.config(stack.bootstrapServers(),
                     Files.createTempDirectory("bench-batch-latency")));
             KafkaProducer<String, SpecificRecord> producer = new KafkaProducer<>(
                     Map.of("bootstrap.servers", stack.bootstrapServers(), "linger.ms", 0), new StringSerializer(),
                     new AvroSerializer<>(serdes.registry(), false, true, false))) {
            streams.start();
            while (streams.state() != KafkaStreams.State.RUNNING) {
                Thread.sleep(100);
            }
            Thread reader = new Thread(() -> readBatches(stack, seen, sizes), "batch-reader");
            reader.setDaemon(true);
            reader.start();
            Thread.sleep(3000); // the reader has its partition
            for (int round = 0; round < rounds; round++) {
                boolean sizeTrigger = round % 2 == 0;
                String version = (sizeTrigger ? "size-" : "close-") + round;
                int pairs = sizeTrigger ? 64 : 8;
                progress.update(round, version + ": waiting for a window boundary");
                videos(producer, version, pairs);
                // Start right after a window boundary, so every event of the round falls in one window.
                long now = System.currentTimeMillis();
                long windowMs = WINDOW.toMillis();
                Thread.sleep(windowMs - now % windowMs + 50);
                long windowEnd = System.currentTimeMillis() / windowMs * windowMs + windowMs;
                long sent = 0;
                for (int i = 0; i < pairs; i++) {
                    String r = version + "-r" + i;
                    producer.send(new ProducerRecord<>(Topics.PREFERENCE_EVENTS.name(), r, PreferenceEvent.newBuilder()
                            .setEventId(version + "-e" + i).setRequestId(r).setPreferredSample(1).setRejectedSample(0)
                            .setSource(PreferenceSource.JUDGE).setAnnotator("judge").setConfidence(0.9f)
                            .setTime(Instant.now()).build())).get();
                    sent = System.nanoTime();
                }
                // t0: the 64th event acknowledged, or the wall clock at window end + grace (on the nano clock).
                long nowNanos = System.nanoTime();
                long nowMillis = System.currentTimeMillis();
                long t0 = sizeTrigger ? sent
                        : nowNanos + (windowEnd + GRACE.toMillis() - nowMillis) * 1_000_000L;
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (!seen.containsKey(version) && System.nanoTime() < deadline) {
                    progress.update(round, version + ": waiting for its batch");
                    Thread.sleep(5);
                }
                if (!seen.containsKey(version)) {
                    throw new IllegalStateException("no batch for " + version + " within 60 s");
                }
                if (sizes.get(version) != pairs) {
                    throw new IllegalStateException(version + ": batch of " + sizes.get(version) + " pairs, wanted "
                            + pairs);
                }
                double secs = (seen.get(version) - t0) / 1e9;
                if (round >= 2) { // the first round of each kind warms the app up
                    (sizeTrigger ? bySize : byClose).add(secs);
                }
                progress.note(String.format("%s: batch of %d pairs read %.3f s after t0", version, pairs, secs));
                progress.update(round + 1, version + " read");
            }
        }
        progress.done(rounds + " rounds, " + (bySize.size() + byClose.size()) + " counted (one warm-up of each kind)");
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("size_trigger_64_pairs", summary(bySize));
        figures.put("window_close_8_pairs", summary(byClose));
        figures.put("window", WINDOW.toString());
        figures.put("grace", GRACE.toString());
        figures.put("note", "seconds from a batch being due to a read_committed consumer having it: the 64th"
                + " preference acknowledged (size trigger) or the wall clock at window end + grace (a quiet stream;"
                + " the app's 1 s wall-clock punctuation emits the batch, so its phase adds 0-1 s that these rounds"
                + " may not sample evenly); exactly_once_v2 with a 1 s commit interval: a preference crosses two"
                + " repartition topics, each step asks for a commit 100 ms after its input goes quiet, and a batch"
                + " after a quiet second asks for its own. One warm-up"
                + " round of each kind is not counted. end_to_end_update_latency times the whole path, this part included");
        figures.put("command", "mvn -B -q -pl stream-processors exec:java -Dexec.classpathScope=test"
                + " -Dexec.mainClass=io.physmaster.streams.BatchEmitLatencyBenchmark");
        figures.put("measured_at", Instant.now().toString());
        StreamsThroughputBenchmark.writeMerged(root.resolve("docs/results/bench-streams.json"), "batch_emit_latency",
                figures);
        System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(figures));
        System.exit(0);
    }

    private static Map<String, Object> summary(List<Double> secs) {
        List<Double> sorted = new ArrayList<>(secs);
        Collections.sort(sorted);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("rounds", sorted.size());
        s.put("median_seconds", sorted.get(sorted.size() / 2));
        s.put("max_seconds", sorted.get(sorted.size() - 1));
        s.put("seconds", secs);
        return s;
    }

    private static void videos(KafkaProducer<String, SpecificRecord> producer, String version, int requests)
            throws Exception {
        for (int i = 0; i < requests; i++) {
            String r = version + "-r" + i;
            for (int s = 0; s < 2; s++) {
                producer.send(new ProducerRecord<>(Topics.GENERATED_VIDEOS.name(), r, GeneratedVideo.newBuilder()
                        .setRequestId(r).setSampleIndex(s).setSeed(s).setVideoUri("file:/v/" + r + "/" + s)
                        .setFormat("mp4").setFrames(16).setWidth(32).setHeight(32).setSha256("x")
                        .setEncoderVersion(version).setModelVersion("m").setLatencyMs(1)
                        .setCreatedAt(Instant.now()).build()));
            }
        }
        producer.flush();
    }

    /** Notes when the first batch of each encoder version is read, as the trainer reads (read_committed). */
    private static void readBatches(LocalStack stack, Map<String, Long> seen, Map<String, Integer> sizes) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-batch-latency");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        AvroDeserializer<PreferenceBatch> de = new AvroDeserializer<>(PreferenceBatch.class);
        de.configure(new HashMap<>(stack.clientConfigs()), false);
        try (KafkaConsumer<String, PreferenceBatch> c = new KafkaConsumer<>(p, new StringDeserializer(), de)) {
            c.subscribe(List.of(Topics.PREFERENCE_BATCHES.name()));
            while (true) {
                c.poll(Duration.ofMillis(20)).forEach(r -> {
                    long now = System.nanoTime();
                    if (seen.putIfAbsent(r.value().getEncoderVersion(), now) == null) {
                        sizes.put(r.value().getEncoderVersion(), r.value().getPairs().size());
                    }
                });
            }
        }
    }

    private BatchEmitLatencyBenchmark() {
    }
}
