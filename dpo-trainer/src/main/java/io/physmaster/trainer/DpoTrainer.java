package io.physmaster.trainer;

import ai.djl.ndarray.NDManager;
import io.physmaster.blob.BlobStore;
import io.physmaster.blob.BlobStores;
import io.physmaster.blob.Sha256;
import io.physmaster.dpo.DpoSteps;
import io.physmaster.dpo.HeadDpo;
import io.physmaster.encoder.EncoderHeads;
import io.physmaster.model.Checkpoint;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.schemas.PreferencePair;
import io.physmaster.serde.AvroDeserializer;
import io.physmaster.serde.AvroSerializer;
import io.physmaster.serde.SchemaRegistryClient;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Split;
import io.physmaster.sim.io.ClipFile;
import io.physmaster.sim.metrics.MetricScores;
import io.physmaster.role.ConnectionSettings;
import io.physmaster.encoder.EncoderVersionFeed;
import io.physmaster.role.Roles;
import io.physmaster.topics.DeadLetters;
import io.physmaster.topics.Topics;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The online DPO trainer: consumes preference batches, runs Stage III Flow-DPO steps on the physical head
 * starting from the encoder being served, gates the candidate on held-out scenes, and on a pass stores its
 * checkpoint and publishes an EncoderVersion that every worker then hot-swaps to.
 *
 * <p>One active trainer: the batches topic has one partition, so one member of the trainer group owns it.
 * Exactly-once in effect: the batch ids applied are recorded in each EncoderVersion, and offsets are committed
 * only after the version (or the gate failure's dead letter) is published, so after a crash a batch is
 * either redone (not yet published) or recognised as applied and skipped.
 */
public final class DpoTrainer implements Roles.Role {

    private static final Logger log = LoggerFactory.getLogger(DpoTrainer.class);
    private static final String COMPONENT = "dpo-trainer";

    private final DpoTrainerSettings settings;
    private final SchemaRegistryClient registry;
    private final BlobStore blobs;
    private final NDManager manager = NDManager.newBaseManager();
    private final KafkaConsumer<String, byte[]> consumer;
    /** Follows generated videos (no group: every partition, from a little while back) for the reference errors. */
    private final KafkaConsumer<String, byte[]> videoConsumer;
    private final AvroDeserializer<GeneratedVideo> videoRecords;
    private final ReferenceErrors referenceErrors;
    private boolean followingVideos;
    private final KafkaProducer<String, SpecificRecord> producer;
    private final AvroDeserializer<PreferenceBatch> batches;
    private final EncoderVersionFeed versions;
    private final Gate gate;
    /** The encoder in service: the frozen reference of every update (its head follows the version in service). */
    private final PhysMasterModel reference;
    /** The candidate: the same model; only its physical head is trained. */
    private final PhysMasterModel policy;
    /** Which version's head the reference holds. */
    private final EncoderHeads referenceHeads;
    /** Gate scores by version: same scenes and seeds every time, so a version's score never changes. */
    private final Map<String, MetricScores> gateScores = new HashMap<>();
    private volatile boolean running = true;
    private final Set<String> applied = new HashSet<>();
    private int published;

    public DpoTrainer(DpoTrainerSettings settings) throws IOException {
        this.settings = settings;
        ConnectionSettings connection = settings.connection();
        this.registry = connection.registry();
        this.blobs = connection.openBlobStore();
        Properties c = connection.consumer("physmaster-dpo-trainer");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        c.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 1_800_000);
        this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        this.videoConsumer = new KafkaConsumer<>(connection.consumer(null), new StringDeserializer(),
                new ByteArrayDeserializer());
        this.videoRecords = new AvroDeserializer<>(GeneratedVideo.class, registry);
        this.producer = new KafkaProducer<>(connection.producer(), new StringSerializer(),
                new AvroSerializer<>(registry, false, true, false));
        this.batches = new AvroDeserializer<>(PreferenceBatch.class, registry);
        this.versions = new EncoderVersionFeed(connection.bootstrapServers(), registry);
        this.gate = new Gate(settings.gateScenes(), settings.gateTolerance(), settings.sampleSteps());
        // Loaded once: an update only swaps heads (kilobytes) instead of reading the whole model twice.
        this.reference = Models.load(settings.model(), manager);
        this.policy = Models.load(settings.model(), manager);
        if (!reference.config().usesPhysEncoder()) {
            throw new IllegalArgumentException(settings.model() + " has no PhysEncoder: there is no head to train");
        }
        this.referenceHeads = new EncoderHeads(reference, settings.baseVersion(), blobs, manager);
        this.referenceErrors = new ReferenceErrors(settings.referenceVideos(), reference.config().frames());
    }

    /** Counted down when run() has returned: close() waits for it before freeing the models. */
    private final java.util.concurrent.CountDownLatch exited = new java.util.concurrent.CountDownLatch(1);
    private volatile boolean started;
    private volatile boolean ready;

    @Override
    public void run() {
        started = true;
        consumer.subscribe(List.of(Topics.PREFERENCE_BATCHES.name()));
        try {
            followVideos();
            warmUp();
            ready = true;
            while (running) {
                pollVideos();
                // Idle time goes to the reference errors of recent videos; a batch waits at most one chunk.
                boolean precompute = followingVideos
                        && (referenceErrors.backlog(referenceHeads.current()) > 0 || servedVersionChanged());
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(precompute ? 0 : 200))) {
                    var tp = new org.apache.kafka.common.TopicPartition(r.topic(), r.partition());
                    try {
                        handle(r);
                    } catch (RuntimeException e) {
                        if (!running) {
                            log.info("event=stopped_mid_batch offset={} (not committed: redone on restart)", r.offset());
                            break;
                        }
                        log.error("event=dpo_update_failed offset={} reason=\"{}\"", r.offset(), e.toString(), e);
                        consumer.seek(tp, r.offset()); // not committed: redo after a pause
                        sleepQuietly(5000);
                        break;
                    }
                    consumer.commitSync(Map.of(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(r.offset() + 1)));
                }
                if (precompute && running) {
                    precomputeReferenceErrors();
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
            videoConsumer.close(Duration.ofSeconds(5));
            exited.countDown();
        }
    }

    private void handle(ConsumerRecord<String, byte[]> r) {
        PreferenceBatch batch;
        try {
            batch = batches.deserialize(r.topic(), r.value());
        } catch (SerializationException e) {
            dead(r, r.key(), "undecodable preference batch: " + e.getMessage(), "SerializationException");
            return;
        }
        EncoderVersion current = versions.current();
        if (alreadyApplied(batch, current)) {
            log.info("event=batch_already_applied batch={}", batch.getBatchId());
            return;
        }
        try {
            Update u = update(batch, current);
            if (u == null) {
                dead(r, batch.getBatchId(), "batch has no readable pairs", "EmptyBatch");
                return;
            }
            applied.add(batch.getBatchId());
            log.info("event=dpo_update batch={} pairs={} steps={} skipped={} reference_known={} load_s={} dpo_s={}"
                    + " gate_s={}", batch.getBatchId(), u.pairs(), u.result().steps(), u.result().skipped(),
                    u.result().pairsWithKnownReference(), secs(u.loadNanos()), secs(u.dpoNanos()), secs(u.gateNanos()));
            if (!u.verdict().pass()) {
                log.info("event=gate_failed batch={} {}", batch.getBatchId(), u.verdict().reason());
                dead(r, batch.getBatchId(), "gate failed, nothing rolled out: " + u.verdict().reason(), "GateFailed");
                return;
            }
            publish(batch, current, u);
        } catch (Exception e) {
            // The batch is not the problem (storage, broker): do not commit, retry it after a pause.
            applied.remove(batch.getBatchId());
            throw new IllegalStateException("DPO update for batch " + batch.getBatchId() + " failed", e);
        }
    }

    /** Whether the batch is in the version in service's lineage or was handled by this process already. */
    private boolean alreadyApplied(PreferenceBatch batch, EncoderVersion current) {
        return applied.contains(batch.getBatchId())
                || (current != null && current.getBatchIds().contains(batch.getBatchId()));
    }

    /** A candidate trained on one batch and the gate's verdict on it, with where the time went. */
    private record Update(int pairs, DpoSteps.Result result, Gate.Verdict verdict, long loadNanos, long dpoNanos,
                          long gateNanos, long started) {
    }

    /** Trains the policy's head from the version in service on the batch and gates it; null without pairs. */
    private Update update(PreferenceBatch batch, EncoderVersion current) throws IOException {
        long t0 = System.nanoTime();
        setHeads(current);
        List<DpoSteps.Pair> pairs = pairs(batch);
        if (pairs.isEmpty()) {
            return null;
        }
        long t1 = System.nanoTime();
        DpoSteps.Result result = HeadDpo.train(policy, reference, pairs, new DpoSteps.Config(
                settings.steps(pairs.size()), DpoTrainerSettings.PAIRS_PER_STEP, settings.beta(),
                settings.learningRate(), batch.getBatchId().hashCode()), manager);
        long t2 = System.nanoTime();
        MetricScores currentScores = gateScore(versionId(current), reference);
        Gate.Verdict verdict = gate.decide(gate.score(policy, manager), currentScores);
        long t3 = System.nanoTime();
        return new Update(pairs.size(), result, verdict, t1 - t0, t2 - t1, t3 - t2, t0);
    }

    /** Stores the candidate's head and publishes it as the next encoder version; waits for the broker's ack. */
    private void publish(PreferenceBatch batch, EncoderVersion current, Update u) throws Exception {
        String parent = current == null ? settings.baseVersion() : current.getVersion();
        String version = "online-" + String.format("%04d", (current == null ? 0 : ordinal(current)) + 1)
                + "-" + Integer.toHexString(batch.getBatchId().hashCode());
        DpoSteps.Result result = u.result();
        Path tmp = Files.createTempFile("head-", ".pmck");
        Checkpoint.save(tmp, "head", policy.config(), policy.encoder().head(), result.steps(),
                Map.of("batch", batch.getBatchId()), Map.of("dpo_loss", result.loss()));
        byte[] bytes = Files.readAllBytes(tmp);
        Files.delete(tmp);
        URI uri = blobs.put("encoders/" + version + ".pmck", bytes, "application/octet-stream");
        List<String> batchIds = new ArrayList<>(current == null ? List.of() : current.getBatchIds());
        batchIds.add(batch.getBatchId());
        Map<String, Double> training = new LinkedHashMap<>();
        training.put("dpo_loss", result.loss());
        training.put("reward_accuracy", result.rewardAccuracy());
        training.put("reward_margin", result.rewardMargin());
        training.put("steps", (double) result.steps());
        training.put("pairs", (double) u.pairs());
        training.put("skipped_steps", (double) result.skipped());
        training.put("pair_visits_with_reference_known", (double) result.pairsWithKnownReference());
        training.put("seconds_loading_pairs", u.loadNanos() / 1e9);
        training.put("seconds_dpo", u.dpoNanos() / 1e9);
        training.put("seconds_gate", u.gateNanos() / 1e9);
        training.put("seconds", (System.nanoTime() - u.started()) / 1e9);
        Gate.Verdict verdict = u.verdict();
        Map<String, Double> evaluation = new LinkedHashMap<>();
        evaluation.put("candidate_score", verdict.candidateScore());
        evaluation.put("parent_score", verdict.currentScore());
        evaluation.put("l2", verdict.candidate().l2());
        evaluation.put("cd", verdict.candidate().cd());
        evaluation.put("iou", verdict.candidate().iou());
        EncoderVersion v = EncoderVersion.newBuilder().setVersion(version).setParent(parent)
                .setCheckpointUri(uri.toString()).setSha256(Sha256.hex(bytes)).setTrainingFigures(training)
                .setEvaluationFigures(evaluation).setBatchIds(batchIds).setCreatedAt(Instant.now()).build();
        producer.send(new ProducerRecord<>(Topics.ENCODER_VERSIONS.name(), version, v)).get();
        gateScores.put(version, verdict.candidate()); // the candidate is now current: its score is known
        published++;
        log.info("event=encoder_published version={} parent={} batch={} {} loss={} acc={}", version, parent,
                batch.getBatchId(), verdict.reason(), String.format("%.4f", result.loss()),
                String.format("%.2f", result.rewardAccuracy()));
    }

    private static int ordinal(EncoderVersion v) {
        return v.getBatchIds().size();
    }

    /** Scores the version in service on the gate's scenes before the first batch, so no update waits for it. */
    private void warmUp() {
        EncoderVersion current = versions.current();
        try {
            setHeads(current);
            gateScore(versionId(current), reference);
            // One DPO step at learning rate 0 on a rendered clip: the first real batch then does not pay for the
            // engine's first backward passes (about 2 s on the CPU). The policy's head is reset per batch anyway.
            RenderedClip clip = ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, 200_000), ClipSpec.MODEL);
            DpoSteps.Pair dry = new DpoSteps.Pair(clip.frame(0), clip.video(), clip.frozenVideo());
            HeadDpo.train(policy, reference, java.util.Collections.nCopies(DpoTrainerSettings.PAIRS_PER_STEP, dry),
                    new DpoSteps.Config(1, DpoTrainerSettings.PAIRS_PER_STEP, settings.beta(), 0f, 0), manager);
            log.info("event=trainer_ready serving={}", versionId(current));
        } catch (IOException | RuntimeException e) {
            log.warn("event=warm_up_failed reason=\"{}\" (the first batch scores the version instead)", e.toString());
        }
    }

    /**
     * Videos from the last 15 minutes on: after a restart, the open windows' videos get their errors again. If
     * the topic cannot be read, the trainer goes on without (each step then runs the reference too).
     */
    private void followVideos() {
        if (settings.referenceVideos() <= 0) {
            return;
        }
        try {
            List<org.apache.kafka.common.TopicPartition> parts = videoConsumer.partitionsFor(
                    Topics.GENERATED_VIDEOS.name(), Duration.ofSeconds(30)).stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(i.topic(), i.partition())).toList();
            videoConsumer.assign(parts);
            long since = System.currentTimeMillis() - Duration.ofMinutes(15).toMillis();
            Map<org.apache.kafka.common.TopicPartition, Long> times = new HashMap<>();
            parts.forEach(tp -> times.put(tp, since));
            var offsets = videoConsumer.offsetsForTimes(times);
            // Ends resolved now, not at the first poll (seekToEnd is lazy): videos made during the warm-up count.
            var ends = videoConsumer.endOffsets(parts);
            for (var tp : parts) {
                var o = offsets.get(tp);
                videoConsumer.seek(tp, o == null ? ends.get(tp) : o.offset());
            }
            followingVideos = true;
        } catch (RuntimeException e) {
            log.warn("event=videos_not_followed reason=\"{}\" (reference errors are computed in each step)",
                    e.toString());
        }
    }

    private void pollVideos() {
        if (!followingVideos) {
            return;
        }
        for (ConsumerRecord<String, byte[]> r : videoConsumer.poll(Duration.ZERO)) {
            try {
                GeneratedVideo v = videoRecords.deserialize(r.topic(), r.value());
                String uri = v.getRawUri() != null ? v.getRawUri() : v.getVideoUri();
                if (uri != null) { // the batcher names pairs by the same URI (raw when there is one)
                    referenceErrors.add(v.getRequestId(), uri);
                }
            } catch (SerializationException e) {
                log.warn("event=video_record_unreadable offset={} reason=\"{}\"", r.offset(), e.getMessage());
            }
        }
    }

    /** Whether the version in service is not the reference's (a publish or a rollback since the last batch). */
    private boolean servedVersionChanged() {
        return !versionId(versions.current()).equals(referenceHeads.current());
    }

    /** The reference follows the version in service, then one chunk of reference errors is computed. */
    private void precomputeReferenceErrors() {
        try {
            setHeads(versions.current());
            referenceErrors.computeSome(reference, referenceHeads.current(), blobs, manager);
        } catch (IOException | RuntimeException e) {
            log.warn("event=reference_errors_failed reason=\"{}\" (batches compute them in their steps)", e.toString());
            sleepQuietly(1000);
        }
    }

    /** Whether the reference errors of these videos (URIs as in preference pairs) are known for the version in service. */
    public boolean referenceErrorsKnown(java.util.Collection<String> uris) {
        return !servedVersionChanged() && referenceErrors.known(uris, referenceHeads.current());
    }

    private String versionId(EncoderVersion v) {
        return v == null ? settings.baseVersion() : v.getVersion();
    }

    private MetricScores gateScore(String version, PhysMasterModel model) {
        return gateScores.computeIfAbsent(version, v -> gate.score(model, manager));
    }

    /**
     * The reference gets the head of {@code v} (the checkpoint's own head for null or the base); the policy
     * always restarts from the reference's head, whatever the previous batch trained into it.
     */
    private void setHeads(EncoderVersion v) throws IOException {
        referenceHeads.use(v);
        EncoderHeads.restore(policy, referenceHeads.snapshot(), manager);
    }

    private static String secs(long nanos) {
        return String.format("%.2f", nanos / 1e9);
    }

    private List<DpoSteps.Pair> pairs(PreferenceBatch batch) {
        List<DpoSteps.Pair> out = new ArrayList<>();
        for (PreferencePair p : batch.getPairs()) {
            try {
                ClipFile.Contents w = ClipFile.decode(BlobStores.read(URI.create(p.getPreferredUri()), blobs));
                ClipFile.Contents l = ClipFile.decode(BlobStores.read(URI.create(p.getRejectedUri()), blobs));
                int plane = 3 * w.height() * w.width();
                int length = policy.config().frames() * plane;
                DpoSteps.Pair pair = new DpoSteps.Pair(java.util.Arrays.copyOf(w.video(), plane),
                        DpoSteps.pad(w.video(), length, plane), DpoSteps.pad(l.video(), length, plane),
                        ReferenceErrors.noiseSeed(p.getRequestId()), null);
                out.add(referenceErrors.attach(pair, p.getPreferredUri(), p.getRejectedUri(), referenceHeads.current()));
            } catch (IOException | RuntimeException e) {
                log.warn("event=pair_unreadable request={} reason=\"{}\"", p.getRequestId(), e.getMessage());
            }
        }
        return out;
    }

    /** A batch that cannot be applied: a dead letter with its raw record when there is one. */
    private void dead(ConsumerRecord<String, byte[]> r, String key, String reason, String errorClass) {
        producer.send(new ProducerRecord<>(Topics.DEAD_LETTERS.name(), key, r == null
                ? DeadLetters.ofAccepted(COMPONENT, Topics.PREFERENCE_BATCHES.name(), key, reason, errorClass)
                : DeadLetters.of(COMPONENT, r.topic(), r.partition(), r.offset(), r.key(), r.value(), reason,
                        errorClass)));
        producer.flush();
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the warm-up is done and batches are being consumed. */
    public boolean ready() {
        return ready;
    }

    public int published() {
        return published;
    }

    @Override
    public void stop() {
        running = false;
        consumer.wakeup();
    }

    @Override
    public void close() {
        stop();
        if (started) {
            try {
                // The batch in hand finishes, or is abandoned (not committed, redone on restart) after 10 s, e.g.
                // when Ctrl-C has already stopped the broker and a send waits for it.
                exited.await(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        versions.close();
        producer.close(Duration.ofSeconds(5));
        manager.close();
        blobs.close();
        registry.close();
    }
}
