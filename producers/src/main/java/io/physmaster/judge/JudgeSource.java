package io.physmaster.judge;

import io.physmaster.blob.BlobStore;
import io.physmaster.blob.BlobStores;
import io.physmaster.client.ClientSettings;
import io.physmaster.client.PhysMasterClient;
import io.physmaster.role.Commits;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.PreferenceSource;
import io.physmaster.serde.AvroDeserializer;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.io.ClipFile;
import io.physmaster.sim.judge.PhysicsJudge;
import io.physmaster.topics.Topics;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The physics judge as a live preference source: follows finished videos, and once a proxy-task request has
 * {@code samples} videos (or at least two and no more for a while) scores them against the simulator's ground
 * truth and publishes the verdict as a JUDGE PreferenceEvent. Requests without a scene id cannot be judged and
 * are skipped (counted).
 */
public final class JudgeSource implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(JudgeSource.class);

    private final PhysMasterClient client;
    private final BlobStore blobs;
    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroDeserializer<GeneratedVideo> videos;
    private final PhysicsJudge judge;
    private final int samples;
    private final Duration quiet;
    private final JudgeMetrics metrics;
    private final Map<String, Map<Integer, GeneratedVideo>> waiting = new LinkedHashMap<>();
    private final Map<String, Long> lastSeen = new LinkedHashMap<>();
    private volatile boolean running = true;
    public final AtomicLong judged = new AtomicLong();
    public final AtomicLong published = new AtomicLong();
    public final AtomicLong skipped = new AtomicLong();

    public JudgeSource(ClientSettings settings, String groupId, int samples, Duration quiet, double minMargin)
            throws IOException {
        this(settings, groupId, samples, quiet, minMargin, JudgeMetrics.unserved());
    }

    /** The judge with its meters in {@code metrics} (the role's endpoint's registry). */
    public JudgeSource(ClientSettings settings, String groupId, int samples, Duration quiet, double minMargin,
                       JudgeMetrics metrics) throws IOException {
        this.metrics = metrics;
        this.client = PhysMasterClient.connect(settings);
        this.blobs = settings.connection().openBlobStore();
        Properties p = settings.connection().kafka();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        this.videos = new AvroDeserializer<>(GeneratedVideo.class, settings.connection().registry());
        this.judge = new PhysicsJudge(minMargin);
        this.samples = samples;
        this.quiet = quiet;
    }

    @Override
    public void run() {
        consumer.subscribe(List.of(Topics.GENERATED_VIDEOS.name()));
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(300))) {
                    GeneratedVideo v;
                    try {
                        v = videos.deserialize(r.topic(), r.value());
                    } catch (SerializationException e) {
                        log.warn("event=judge_skip_unreadable offset={} reason=\"{}\"", r.offset(), e.getMessage());
                        metrics.skipped(JudgeMetrics.UNREADABLE);
                        continue;
                    }
                    if (v.getSceneId() == null || v.getRawUri() == null) {
                        skipped.incrementAndGet();
                        metrics.skipped(JudgeMetrics.NO_SCENE);
                        continue;
                    }
                    waiting.computeIfAbsent(v.getRequestId(), k -> new TreeMap<>()).put(v.getSampleIndex(), v);
                    lastSeen.put(v.getRequestId(), System.currentTimeMillis());
                }
                long now = System.currentTimeMillis();
                for (String id : new ArrayList<>(waiting.keySet())) {
                    Map<Integer, GeneratedVideo> got = waiting.get(id);
                    boolean complete = got.size() >= samples;
                    boolean stale = got.size() >= 2 && now - lastSeen.get(id) > quiet.toMillis();
                    if (complete || stale) {
                        judgeRequest(id, new ArrayList<>(got.values()));
                        waiting.remove(id);
                        lastSeen.remove(id);
                    }
                }
                Commits.commit(consumer, null, () -> running);
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void judgeRequest(String requestId, List<GeneratedVideo> vs) {
        try {
            List<float[]> candidates = new ArrayList<>();
            ClipFile.Contents first = null;
            for (GeneratedVideo v : vs) {
                ClipFile.Contents c = ClipFile.decode(BlobStores.read(URI.create(v.getRawUri()), blobs));
                first = first == null ? c : first;
                candidates.add(c.video());
            }
            RenderedClip truth = ProxyTask.render(ProxyTask.sceneById(vs.get(0).getSceneId()),
                    new ClipSpec(first.width(), first.frames(), first.fps()));
            judged.incrementAndGet();
            var verdict = judge.judge(truth, candidates);
            metrics.judged(candidates.size());
            if (verdict.isEmpty()) {
                log.info("event=judge_no_preference request={} samples={}", requestId, vs.size());
                return;
            }
            var v = verdict.get();
            client.publishPreference(requestId, vs.get(v.preferred()).getSampleIndex(),
                    vs.get(v.rejected()).getSampleIndex(), PreferenceSource.JUDGE, PhysicsJudge.ID,
                    (float) v.confidence());
            published.incrementAndGet();
            metrics.preference(v.margin());
            log.info("event=judge_preference request={} preferred={} rejected={} margin={}", requestId,
                    vs.get(v.preferred()).getSampleIndex(), vs.get(v.rejected()).getSampleIndex(),
                    String.format("%.4f", v.margin()));
        } catch (IOException | RuntimeException e) {
            skipped.incrementAndGet();
            metrics.skipped(JudgeMetrics.FAILED);
            log.warn("event=judge_failed request={} reason=\"{}\"", requestId, e.getMessage());
        }
    }

    public void stop() {
        running = false;
        consumer.wakeup();
    }

    @Override
    public void close() {
        stop();
        client.close();
        blobs.close();
    }
}
