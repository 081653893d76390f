package io.physmaster.trainer;

import ai.djl.ndarray.NDManager;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.physmaster.blob.BlobStore;
import io.physmaster.dpo.DpoSteps;
import io.physmaster.dpo.HeadDpo;
import io.physmaster.encoder.EncoderVersionFeed;
import io.physmaster.role.Commits;
import io.physmaster.role.ConnectionSettings;
import io.physmaster.role.Roles;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.serde.AvroDeserializer;
import io.physmaster.serde.AvroSerializer;
import io.physmaster.serde.SchemaRegistryClient;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Split;
import io.physmaster.topics.DeadLetters;
import io.physmaster.topics.Topics;
import io.physmaster.versions.TrainerKeys;
import io.physmaster.versions.VersionTrust;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The online DPO trainer. One policy (physical head + DiT LoRA adapters) keeps learning against a fixed anchor,
 * the base model, with one optimizer state for its whole life:
 * <ul>
 *   <li>fast path: a preference batch (one window) goes into the replay buffer, the policy takes one pass over
 *       its pairs, and the gate decides whether the candidate is published as the next encoder version;</li>
 *   <li>between windows, taking turns: reference errors of recent videos (so the next window's pass runs the
 *       policy only) and {@link Consolidation}: short chunks of steps over the whole replay buffer, with fresh
 *       noise and times, yielding as soon as a batch arrives; every {@code consolidateSteps} steps the candidate
 *       is gated (a few scenes per chunk) and published too.</li>
 * </ul>
 * One active trainer: the batches topic has one partition, so one member of the trainer group owns it; another
 * member waits as a standby (no consolidation, no publication). A batch's offset is committed only after its
 * version (or the gate failure's dead letter) is published; applied batch ids are recorded in each version, and
 * a trainer that gets the partition first reads the versions topic to its end ({@link #takeOver}), so after a
 * crash a batch is redone or recognised as applied, and version numbers continue ({@link VersionLine}). The replay
 * buffer is rebuilt from the batches topic up to the committed offset at start.
 *
 * <p>Over 300 lines: the role's loop, the takeover and the fast path share one consumer (pairs:
 * {@link PairLoader}; learning: {@link OnlineLearner}; gate and publication: {@link Promotion}).
 */
public final class DpoTrainer implements Roles.Role {

    private static final Logger log = LoggerFactory.getLogger(DpoTrainer.class);
    private static final String COMPONENT = "dpo-trainer";
    static final String GROUP = "physmaster-dpo-trainer";

    private final DpoTrainerSettings settings;
    private final SchemaRegistryClient registry;
    private final BlobStore blobs;
    private final NDManager manager = NDManager.newBaseManager();
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, SpecificRecord> producer;
    private final AvroDeserializer<PreferenceBatch> batches;
    private final EncoderVersionFeed versions;
    private final Promotion promotion;
    private final OnlineLearner learner;
    private final ReplayBuffer replay;
    private final ReferenceErrorFeed referenceErrors;
    private final PairLoader loader;
    private final Consolidation consolidation;
    private final TrainerMetrics metrics;
    /** Batches trained into the policy, in order (the lineage of the version in service plus what came since). */
    private final LinkedHashSet<String> applied = new LinkedHashSet<>();
    private final VersionLine line;
    /** Set when the group gives this trainer the batches partition: it syncs with the versions before training. */
    private volatile boolean assigned;
    private final CountDownLatch exited = new CountDownLatch(1);
    private long idleTurns;
    private volatile boolean running = true;
    private volatile boolean started;
    private volatile boolean ready;

    public DpoTrainer(DpoTrainerSettings settings) throws IOException {
        this(settings, new SimpleMeterRegistry());
    }

    /** The trainer with its meters ({@link TrainerMetrics}) in {@code meters}, e.g. the role's endpoint's. */
    public DpoTrainer(DpoTrainerSettings settings, MeterRegistry meters) throws IOException {
        this.settings = settings;
        ConnectionSettings connection = settings.connection();
        this.registry = connection.registry();
        this.blobs = connection.openBlobStore();
        Properties c = connection.consumer(GROUP);
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        c.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 1_800_000);
        // Heartbeats have their own thread, so a long update does not expire the session; a dead trainer's
        // partition moves to the standby after this long (the consumer default, 45 s, would be the takeover time).
        c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        // Which trainer owns the batches partition shows in the group's description (host and pid).
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "dpo-trainer-" + ProcessHandle.current().pid());
        this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        this.producer = new KafkaProducer<>(connection.producer(), new StringSerializer(),
                new AvroSerializer<>(registry, false, true, false));
        this.batches = new AvroDeserializer<>(PreferenceBatch.class, registry);
        // Versions are signed with this key; the trainer resumes only from versions it signed itself.
        TrainerKeys.Loaded key = TrainerKeys.loadOrCreate(connection.trainerKeyFile());
        TrainerKeys.exportPublic(key, connection.trainerPublicKeyFile());
        log.info("event=trainer_key {} key={} fingerprint={} public={}", key.created() ? "created" : "loaded",
                key.file(), key.fingerprint(), connection.trainerPublicKeyFile());
        this.versions = new EncoderVersionFeed(connection.consumer(null), registry,
                VersionTrust.of(key.pair().getPublic()));
        this.learner = new OnlineLearner(settings, blobs, manager);
        this.replay = new ReplayBuffer(settings.replayCapacity());
        this.metrics = new TrainerMetrics(meters, replay::size);
        this.referenceErrors = new ReferenceErrorFeed(connection, registry, settings.referenceVideos(),
                learner.reference().config().frames());
        this.line = new VersionLine(settings.baseVersion());
        this.promotion = new Promotion(settings, new VersionPublisher(blobs, producer, settings.baseVersion(),
                key.pair(), line), blobs, manager, metrics);
        this.loader = new PairLoader(blobs, learner.policy().config().frames(), referenceErrors, replay);
        this.consolidation = new Consolidation(settings.consolidateSteps(), learner, replay, loader, promotion, metrics,
                manager);
    }

    @Override
    public void run() {
        started = true;
        try {
            rebuildReplay();
            resume();
            consumer.subscribe(List.of(Topics.PREFERENCE_BATCHES.name()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    assigned |= !partitions.isEmpty();
                }

                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    // A candidate's verdict would be published by a trainer that no longer owns the batches.
                    consolidation.abandonCandidate();
                    if (!partitions.isEmpty()) {
                        log.info("event=batches_revoked (another trainer owns them now, or this one again)");
                    }
                }
            });
            referenceErrors.start(settings.referenceVideos());
            warmUp();
            ready = true;
            while (running) {
                referenceErrors.poll();
                // Only the owner of the batches partition trains and publishes; a standby trainer waits, warm.
                boolean owner = !consumer.assignment().isEmpty();
                boolean idleWork = referenceErrors.backlog() || (owner && consolidation.active());
                var polled = consumer.poll(Duration.ofMillis(idleWork ? 0 : 200));
                if (assigned) {
                    assigned = false;
                    takeOver();
                }
                for (ConsumerRecord<String, byte[]> r : polled) {
                    if (!handleAndCommit(r)) {
                        break;
                    }
                }
                // Idle time alternates between the two: while videos keep coming there is always a backlog of
                // reference errors, and consolidation must not starve behind it.
                boolean errorsTurn = referenceErrors.backlog() && (!consolidation.active() || (idleTurns++ & 1) == 0);
                if (running && errorsTurn) {
                    referenceErrors.computeSome(learner.reference(), blobs, manager);
                } else if (running && !consumer.assignment().isEmpty() && consolidation.active()) {
                    consolidation.chunk(current(), applied);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (IOException e) {
            throw new IllegalStateException("the trainer could not resume from the version in service", e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
            referenceErrors.close();
            exited.countDown();
        }
    }

    /** Handles one batch record; commits it unless it must be redone. False: stop reading this poll. */
    private boolean handleAndCommit(ConsumerRecord<String, byte[]> r) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        try {
            handle(r);
        } catch (RuntimeException e) {
            if (!running) {
                log.info("event=stopped_mid_batch offset={} (not committed: redone on restart)", r.offset());
                return false;
            }
            log.error("event=dpo_update_failed offset={} reason=\"{}\"", r.offset(), e.toString(), e);
            consumer.seek(tp, r.offset()); // not committed: redo after a pause
            Roles.pause(5000);
            return false;
        }
        return Commits.commit(consumer, Map.of(tp, new OffsetAndMetadata(r.offset() + 1)), () -> running)
                == Commits.Outcome.COMMITTED;
    }

    private void handle(ConsumerRecord<String, byte[]> r) {
        PreferenceBatch batch;
        try {
            batch = batches.deserialize(r.topic(), r.value());
        } catch (SerializationException e) {
            dead(r, r.key(), "undecodable preference batch: " + e.getMessage(), "SerializationException");
            return;
        }
        EncoderVersion current = current();
        if (applied.contains(batch.getBatchId())
                || (current != null && current.getBatchIds().contains(batch.getBatchId()))) {
            log.info("event=batch_already_applied batch={}", batch.getBatchId());
            return;
        }
        consolidation.abandonCandidate(); // this batch changes the policy: a candidate's scores would not hold
        ReplayBuffer.Added added = replay.addAll(batch.getPairs());
        try {
            long t0 = System.nanoTime();
            List<DpoSteps.Pair> pairs = loader.firstVisit(batch.getPairs());
            if (pairs.isEmpty()) {
                dead(r, batch.getBatchId(), "batch has no readable pairs", "EmptyBatch");
                return;
            }
            long t1 = System.nanoTime();
            DpoSteps.Result result = learner.trainWindow(pairs, settings.steps(pairs.size()),
                    batch.getBatchId().hashCode());
            metrics.trained(result, settings.steps(pairs.size()), pairs.size(), true);
            applied.add(batch.getBatchId());
            long t2 = System.nanoTime();
            Map<String, Double> training = learner.figures(result, pairs.size(), replay.size(), false);
            training.put("replay_pairs_added", (double) added.added());
            training.put("replay_pairs_replaced", (double) added.replaced());
            training.put("seconds_loading_pairs", (t1 - t0) / 1e9);
            training.put("seconds_dpo", (t2 - t1) / 1e9);
            Gate.Verdict verdict = promotion.offer(learner, current, "w" + Integer.toHexString(
                    batch.getBatchId().hashCode()), new ArrayList<>(applied), training, t0);
            if (!verdict.pass()) {
                dead(r, batch.getBatchId(), "gate: nothing rolled out (pairs kept for replay): " + verdict.reason(),
                        "GateFailed");
            }
        } catch (Exception e) {
            // The batch is not the problem (storage, broker): do not commit, retry it after a pause.
            applied.remove(batch.getBatchId());
            throw new IllegalStateException("DPO update for batch " + batch.getBatchId() + " failed", e);
        }
    }

    /** The version in service: the follower's, or this trainer's own last publication if it has not read it yet. */
    private EncoderVersion current() {
        return line.current(versions.current(), versions::get);
    }

    /**
     * This trainer now owns the batches partition (at start, or taking over from a trainer that died). Before the
     * first batch it reads the versions topic to its end, so that a batch already turned into a version (published,
     * offset not committed) is recognised and not published again, and numbering continues after the highest
     * number used. If the version in service is not the policy's own (another trainer published since this one
     * loaded it), the policy, its lineage and the replay buffer are reloaded from it and from the batches topic.
     */
    private void takeOver() throws IOException {
        TopicPartition vtp = new TopicPartition(Topics.ENCODER_VERSIONS.name(), 0);
        long t0 = System.nanoTime();
        long end = consumer.endOffsets(List.of(vtp), Duration.ofSeconds(30)).get(vtp);
        while (versions.position() < end) {
            if (!running) {
                return;
            }
            if (System.nanoTime() - t0 > 120_000_000_000L) {
                throw new IOException("the encoder versions could not be read to offset " + end + " in 120 s");
            }
            Roles.pause(50);
        }
        line.observe(versions.versionIds());
        EncoderVersion inService = versions.current();
        if (line.needsResume(inService)) {
            learner.resumeFrom(inService);
            line.resumed(inService);
            applied.clear();
            applied.addAll(inService.getBatchIds());
            consolidation.abandonCandidate();
            rebuildReplay();
            log.info("event=took_over version={} batches={} replay={} seconds={}", inService.getVersion(),
                    applied.size(), replay.size(), String.format(java.util.Locale.ROOT, "%.1f",
                            (System.nanoTime() - t0) / 1e9));
        } else {
            log.info("event=batches_assigned serving={} versions_read_to={}", inService == null
                    ? settings.baseVersion() : inService.getVersion(), end);
        }
    }

    /** Every pair of the batches the group has committed goes back into the replay buffer (a restart loses none). */
    private void rebuildReplay() {
        TopicPartition tp = new TopicPartition(Topics.PREFERENCE_BATCHES.name(), 0);
        OffsetAndMetadata committed = consumer.committed(java.util.Set.of(tp)).get(tp);
        if (committed != null && committed.offset() > 0) {
            replay.refill(settings.connection(), batches, tp, committed.offset());
            log.info("event=replay_rebuilt pairs={} up_to_offset={}", replay.size(), committed.offset());
        }
    }

    /** The policy continues from the version in service (after a restart), and its lineage counts as applied. */
    private void resume() throws IOException {
        long until = System.currentTimeMillis() + 5000;
        while (versions.current() == null && !versions.caughtUp() && System.currentTimeMillis() < until) {
            Roles.pause(100);
        }
        EncoderVersion current = versions.current();
        if (current != null && !current.getVersion().equals(settings.baseVersion())) {
            learner.resumeFrom(current);
            line.resumed(current);
            applied.addAll(current.getBatchIds());
            log.info("event=resumed version={} batches={}", current.getVersion(), current.getBatchIds().size());
        }
    }

    /** Scores the anchor and the version in service before the first batch, so no update waits for them. */
    private void warmUp() {
        try {
            promotion.warmUp(learner, versions.current());
            // One step at learning rate 0 with a throwaway optimizer: the first real batch then does not pay for
            // the engine's first backward passes.
            RenderedClip clip = ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, 200_000), ClipSpec.MODEL);
            DpoSteps.Pair dry = new DpoSteps.Pair(clip.frame(0), clip.video(), clip.frozenVideo());
            HeadDpo.train(learner.policy(), learner.reference(), java.util.Collections.nCopies(
                    DpoTrainerSettings.PAIRS_PER_STEP, dry), new DpoSteps.Config(1, DpoTrainerSettings.PAIRS_PER_STEP,
                    settings.beta(), 0f, 0), manager);
            log.info("event=trainer_ready serving={} replay={}", versions.current() == null ? settings.baseVersion()
                    : versions.current().getVersion(), replay.size());
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("trainer warm-up failed", e);
        }
    }

    /** Whether the reference errors of these videos (URIs as in preference pairs) are known. */
    public boolean referenceErrorsKnown(Collection<String> uris) {
        return referenceErrors.known(uris);
    }

    /** A batch that cannot be applied: a dead letter with its raw record. */
    private void dead(ConsumerRecord<String, byte[]> r, String key, String reason, String errorClass) {
        producer.send(new ProducerRecord<>(Topics.DEAD_LETTERS.name(), key, DeadLetters.of(COMPONENT, r.topic(),
                r.partition(), r.offset(), r.key(), r.value(), reason, errorClass)));
        producer.flush();
    }

    /** Whether the warm-up is done and batches are being consumed. */
    public boolean ready() {
        return ready;
    }

    public int published() {
        return promotion.published();
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
                exited.await(10, TimeUnit.SECONDS);
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
