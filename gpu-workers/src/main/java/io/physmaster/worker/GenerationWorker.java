package io.physmaster.worker;

import ai.djl.ndarray.NDManager;
import io.physmaster.blob.BlobStore;
import io.physmaster.encoder.ServedEncoder;
import io.physmaster.model.ModelRuntime;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.requests.InvalidRequestException;
import io.physmaster.requests.RequestLimits;
import io.physmaster.sample.EulerSampler;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.GenerationProgress;
import io.physmaster.schemas.GenerationRequest;
import io.physmaster.schemas.GenerationState;
import io.physmaster.serde.AvroDeserializer;
import io.physmaster.serde.AvroSerializer;
import io.physmaster.serde.SchemaRegistryClient;
import io.physmaster.role.ConnectionSettings;
import io.physmaster.encoder.EncoderVersionFeed;
import io.physmaster.role.Roles;
import io.physmaster.topics.DeadLetters;
import io.physmaster.topics.Topics;
import java.io.IOException;
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
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
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
 * A GPU worker: one member of the consumer group on the generation-requests topic.
 *
 * <p>Per poll: decode and validate every request (bad ones become dead letters with the reason), group the
 * good ones by encoder version, swap the physical head if needed, sample all their videos in batches, store
 * MP4 + exact frames + contact sheet, publish one GeneratedVideo per sample, and only then commit the offsets.
 * A crash before the commit redoes the poll: seeds are deterministic and blob keys derive from (request,
 * sample), so the redo writes the same files and consumers dedupe videos by (request id, sample index).
 */
public final class GenerationWorker implements Roles.Role {

    private static final Logger log = LoggerFactory.getLogger(GenerationWorker.class);
    private static final double FPS = 10;

    private final WorkerSettings settings;
    private final SchemaRegistryClient registry;
    private final BlobStore blobs;
    private final NDManager manager;
    private final PhysMasterModel model;
    private final EulerSampler sampler;
    /** The physical head being served; null when the model has no PhysEncoder. */
    private final ServedEncoder encoder;
    private final RequestDecoder decoder;
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, SpecificRecord> producer;
    private final AvroDeserializer<GenerationRequest> requests;
    private final EncoderVersionFeed versions;
    private final WorkerMetrics metrics;
    private final OutputPipeline outputs;
    private final Set<String> badVersions = new HashSet<>();
    private volatile boolean running = true;
    private volatile boolean halted;

    public GenerationWorker(WorkerSettings settings) throws IOException {
        this.settings = settings;
        ConnectionSettings connection = settings.connection();
        this.registry = connection.registry();
        this.blobs = connection.openBlobStore();
        this.manager = NDManager.newBaseManager();
        this.model = Models.load(settings.model(), manager);
        this.sampler = new EulerSampler(model, manager);
        this.encoder = model.encoder() == null ? null
                : new ServedEncoder(model, settings.baseEncoderVersion(), blobs, manager);
        this.decoder = new RequestDecoder(RequestLimits.DEFAULT, blobs, model.config().frames(), model.config().size());

        Properties c = connection.consumer(settings.groupId());
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, settings.workerId());
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.maxBatch());
        c.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 600_000);
        // Heartbeats run on their own thread, so long sampling does not expire the session; a dead worker's
        // requests move to the others after this long.
        c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        Properties p = connection.producer();
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new AvroSerializer<>(registry, false, true, false));
        this.requests = new AvroDeserializer<>(GenerationRequest.class, registry);
        this.versions = new EncoderVersionFeed(connection.bootstrapServers(), registry);
        this.metrics = new WorkerMetrics(settings.workerId());
        this.outputs = new OutputPipeline(settings.workerId() + "-outputs");
        if (settings.metricsPort() >= 0) {
            int port = metrics.serve(settings.metricsHost(), settings.metricsPort());
            log.info("event=metrics_serving host={} port={}", settings.metricsHost(), port);
        }
        log.info("event=worker_ready worker={} model={} config={} encoder={} device={}", settings.workerId(),
                settings.model(), model.config(), servedVersion(), ModelRuntime.describe());
    }

    /** How long a poll that is not a full batch waits for more requests (see {@link #topUp}). */
    static final Duration BATCH_LINGER = Duration.ofMillis(50);

    @Override
    public void run() {
        consumer.subscribe(List.of(Topics.GENERATION_REQUESTS.name()));
        try {
            while (running) {
                ConsumerRecords<String, byte[]> polled = consumer.poll(settings.pollTimeout());
                if (polled.isEmpty()) {
                    updateLag();
                    continue;
                }
                polled = topUp(polled);
                updateLag();
                try {
                    process(polled);
                } catch (RuntimeException e) {
                    // Not the requests' fault (storage, broker, model): retry the same poll after a pause.
                    metrics.error("batch_failed");
                    log.error("event=batch_failed records={} reason=\"{}\"", polled.count(), e.toString(), e);
                    for (TopicPartition tp : polled.partitions()) {
                        consumer.seek(tp, polled.records(tp).get(0).offset());
                    }
                    sleepQuietly(2000);
                    continue;
                }
                if (halted) {
                    return; // simulated crash: nothing committed
                }
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (TopicPartition tp : polled.partitions()) {
                    List<ConsumerRecord<String, byte[]>> rs = polled.records(tp);
                    offsets.put(tp, new OffsetAndMetadata(rs.get(rs.size() - 1).offset() + 1));
                }
                consumer.commitSync(offsets);
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } finally {
            // A halted worker (test stand-in for a crash) commits nothing; closing makes the group reassign its
            // partitions now instead of after the session timeout, and the uncommitted requests are redone.
            consumer.close(halted ? Duration.ZERO : Duration.ofSeconds(10));
        }
    }

    /**
     * Requests submitted together reach the consumer over several fetches; the first poll often holds one.
     * Sampling 8 videos at once costs about half as much per video as sampling 2 (docs/results/bench-sampling.json),
     * so before sampling, poll again for up to {@link #BATCH_LINGER} while the batch has room.
     */
    private ConsumerRecords<String, byte[]> topUp(ConsumerRecords<String, byte[]> polled) {
        if (polled.count() >= settings.maxBatch()) {
            return polled;
        }
        Map<TopicPartition, List<ConsumerRecord<String, byte[]>>> all = new HashMap<>();
        polled.partitions().forEach(tp -> all.put(tp, new ArrayList<>(polled.records(tp))));
        int count = polled.count();
        long deadline = System.nanoTime() + BATCH_LINGER.toNanos();
        while (count < settings.maxBatch() && running) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            ConsumerRecords<String, byte[]> more = consumer.poll(Duration.ofNanos(left));
            for (TopicPartition tp : more.partitions()) {
                all.computeIfAbsent(tp, k -> new ArrayList<>()).addAll(more.records(tp));
            }
            count += more.count();
        }
        return count == polled.count() ? polled : new ConsumerRecords<>(all, Map.of());
    }

    /** Decodes, validates, samples, stores and publishes one poll's requests; flushes before returning. */
    void process(ConsumerRecords<String, byte[]> polled) {
        Map<String, List<AcceptedRequest>> byVersion = new LinkedHashMap<>();
        EncoderVersion latest = versions.current();
        for (ConsumerRecord<String, byte[]> r : polled) {
            GenerationRequest req;
            try {
                if (r.value() == null) {
                    throw new SerializationException("empty record (tombstone) on the requests topic");
                }
                req = requests.deserialize(r.topic(), r.value());
            } catch (SerializationException e) {
                deadLetter(r, "undecodable record: " + e.getMessage(), e);
                continue;
            }
            try {
                float[] frame = decoder.firstFrame(req);
                String version = req.getEncoderVersion() != null ? req.getEncoderVersion() : targetVersion(latest);
                if (!canServe(version)) {
                    throw new InvalidRequestException("encoder version '" + version + "' is unknown or its "
                            + "checkpoint failed verification");
                }
                byVersion.computeIfAbsent(version, k -> new ArrayList<>())
                        .add(new AcceptedRequest(req, frame, version, Instant.now()));
                progress(req.getRequestId(), GenerationState.ACCEPTED, 0, req.getSteps(), null);
            } catch (InvalidRequestException e) {
                deadLetter(r, e.getMessage(), e);
                progress(req.getRequestId(), GenerationState.FAILED, 0, req.getSteps(), e.getMessage());
            }
        }
        for (var e : byVersion.entrySet()) {
            if (halted) {
                return;
            }
            if (serve(e.getKey())) {
                generate(e.getValue());
                continue;
            }
            // The version failed to load: requests that pinned it fail; the others get the version in service.
            List<AcceptedRequest> fallback = new ArrayList<>();
            for (AcceptedRequest a : e.getValue()) {
                if (a.request().getEncoderVersion() != null) {
                    deadLetterRequest(a.request(), "encoder version '" + e.getKey() + "' could not be loaded");
                } else {
                    fallback.add(new AcceptedRequest(a.request(), a.firstFrame(), servedVersion(), a.takenAt()));
                }
            }
            if (!fallback.isEmpty()) {
                generate(fallback);
            }
        }
        outputs.awaitAll(); // every video stored and sent before the flush and the commit
        producer.flush();
    }

    /** The version to serve when a request does not pin one: the latest published, unless it is bad. */
    private String targetVersion(EncoderVersion latest) {
        if (model.encoder() == null) {
            return "none";
        }
        if (latest == null || badVersions.contains(latest.getVersion())) {
            return servedVersion();
        }
        return latest.getVersion();
    }

    private boolean canServe(String version) {
        if (badVersions.contains(version)) {
            return false;
        }
        return version.equals(servedVersion()) || version.equals(settings.baseEncoderVersion())
                || versions.get(version) != null || (model.encoder() == null && version.equals("none"));
    }

    /** Makes the physical head the given version's; false (and the old head kept) if it cannot. */
    private boolean serve(String version) {
        if (encoder == null || version.equals(encoder.current())) {
            return true;
        }
        String from = encoder.current();
        try {
            encoder.use(version.equals(settings.baseEncoderVersion()) ? null : versions.get(version));
            log.info("event=encoder_swapped from={} to={}", from, version);
            metrics.encoderSwaps.incrementAndGet();
            return true;
        } catch (IOException | RuntimeException e) {
            badVersions.add(version);
            metrics.error("bad_checkpoint");
            log.error("event=encoder_refused version={} keep_serving={} reason=\"{}\"", version, from,
                    e.getMessage());
            return false;
        }
    }

    /** Samples every video of the requests (numSamples each) in batches of at most maxBatch videos. */
    private void generate(List<AcceptedRequest> accepted) {
        record Job(AcceptedRequest a, int sample) {
        }
        List<Job> jobs = new ArrayList<>();
        for (AcceptedRequest a : accepted) {
            for (int i = 0; i < a.request().getNumSamples(); i++) {
                jobs.add(new Job(a, i));
            }
        }
        int size = model.config().size();
        // Equal chunks of at most maxBatch: 18 videos go as 6 + 6 + 6, not 8 + 8 + 2 (a batch of 2 costs
        // nearly twice as much per video as a batch of 8).
        int chunks = (jobs.size() + settings.maxBatch() - 1) / settings.maxBatch();
        int chunkSize = chunks == 0 ? 1 : (jobs.size() + chunks - 1) / chunks;
        for (int from = 0; from < jobs.size() && !halted; from += chunkSize) {
            List<Job> chunk = jobs.subList(from, Math.min(jobs.size(), from + chunkSize));
            // Requests with other step counts or guidance are sampled in their own sub-batch.
            Map<String, List<Job>> bySettings = new LinkedHashMap<>();
            for (Job j : chunk) {
                bySettings.computeIfAbsent(j.a().request().getSteps() + "/" + j.a().request().getGuidance(),
                        k -> new ArrayList<>()).add(j);
            }
            for (List<Job> group : bySettings.values()) {
                GenerationRequest first = group.get(0).a().request();
                float[][] frames = new float[group.size()][];
                long[] seeds = new long[group.size()];
                for (int i = 0; i < group.size(); i++) {
                    frames[i] = group.get(i).a().firstFrame();
                    seeds[i] = group.get(i).a().request().getSeed() + group.get(i).sample();
                }
                long t0 = System.nanoTime();
                int total = first.getSteps();
                float[][] videos = sampler.sample(frames, seeds, total, first.getGuidance(), step -> {
                    if (settings.progressEvery() > 0 && step % settings.progressEvery() == 0 && step < total) {
                        group.stream().map(j -> j.a().request().getRequestId()).distinct()
                                .forEach(id -> progress(id, GenerationState.SAMPLING, step, total, null));
                    }
                });
                double perVideo = (System.nanoTime() - t0) / 1e9 / group.size();
                log.info("event=sampled videos={} steps={} seconds={}", group.size(), total,
                        String.format("%.2f", perVideo * group.size()));
                for (int i = 0; i < group.size() && !halted; i++) {
                    metrics.secondsPerVideo.record(Duration.ofNanos((long) (perVideo * 1e9)));
                    Job j = group.get(i);
                    long seed = seeds[i];
                    float[] video = videos[i];
                    outputs.submit(() -> publishVideo(j.a(), j.sample(), seed, video, size)); // overlaps the next batch
                }
            }
            for (Job j : chunk) {
                if (j.sample() == j.a().request().getNumSamples() - 1) {
                    GenerationRequest r = j.a().request();
                    outputs.submit(() -> { // after the request's last video, in the same queue
                        progress(r.getRequestId(), GenerationState.DONE, r.getSteps(), r.getSteps(), null);
                        metrics.requests.increment();
                        metrics.latency(Duration.between(r.getSubmittedAt(), Instant.now()));
                    });
                }
            }
        }
    }

    private void publishVideo(AcceptedRequest a, int sample, long seed, float[] video, int size) {
        GenerationRequest r = a.request();
        int frames = r.getFrames();
        float[] cut = frames * 3 * size * size == video.length ? video
                : java.util.Arrays.copyOf(video, frames * 3 * size * size);
        try {
            VideoOutputs.Stored s = VideoOutputs.store(blobs, r.getRequestId(), sample, r.getSceneId(), cut, frames,
                    size, FPS);
            GeneratedVideo v = GeneratedVideo.newBuilder()
                    .setRequestId(r.getRequestId()).setSampleIndex(sample).setSeed(seed)
                    .setVideoUri(s.mp4().toString()).setFormat("mp4").setFrames(frames).setWidth(size * VideoOutputs.MP4_SCALE)
                    .setHeight(size * VideoOutputs.MP4_SCALE).setSha256(s.sha256()).setEncoderVersion(a.encoderVersion())
                    .setModelVersion(settings.model().getFileName().toString())
                    .setLatencyMs(Duration.between(a.takenAt(), Instant.now()).toMillis())
                    .setSceneId(r.getSceneId()).setWorkerId(settings.workerId())
                    .setRawUri(s.raw().toString()).setContactSheetUri(s.sheet().toString())
                    .setCreatedAt(Instant.now()).build();
            producer.send(new ProducerRecord<>(Topics.GENERATED_VIDEOS.name(), r.getRequestId(), v));
            metrics.videos.increment();
        } catch (IOException e) {
            // Storage failing is not the request's fault: stop without committing so the poll is redone.
            throw new IllegalStateException("storing video " + r.getRequestId() + "/" + sample + " failed", e);
        }
    }

    private void progress(String requestId, GenerationState state, int step, int total, String message) {
        producer.send(new ProducerRecord<>(Topics.GENERATION_PROGRESS.name(), requestId,
                GenerationProgress.newBuilder().setRequestId(requestId).setState(state).setStep(step)
                        .setTotalSteps(total).setMessage(message).setWorkerId(settings.workerId())
                        .setTime(Instant.now()).build()));
    }

    private void deadLetter(ConsumerRecord<String, byte[]> r, String reason, Exception e) {
        metrics.error(e instanceof SerializationException ? "undecodable" : "invalid_request");
        log.warn("event=dead_letter topic={} partition={} offset={} key={} reason=\"{}\"", r.topic(), r.partition(),
                r.offset(), r.key(), reason);
        producer.send(new ProducerRecord<>(Topics.DEAD_LETTERS.name(), r.key(), DeadLetters.of(component(),
                r.topic(), r.partition(), r.offset(), r.key(), r.value(), reason, e.getClass().getName())));
    }

    private void deadLetterRequest(GenerationRequest r, String reason) {
        metrics.error("encoder_unavailable");
        producer.send(new ProducerRecord<>(Topics.DEAD_LETTERS.name(), r.getRequestId(), DeadLetters.ofAccepted(
                component(), Topics.GENERATION_REQUESTS.name(), r.getRequestId(), reason, "EncoderUnavailable")));
        progress(r.getRequestId(), GenerationState.FAILED, 0, r.getSteps(), reason);
    }

    private String component() {
        return "worker/" + settings.workerId();
    }

    private void updateLag() {
        try {
            long max = 0;
            for (var m : consumer.metrics().entrySet()) {
                if (m.getKey().name().equals("records-lag-max") && m.getValue().metricValue() instanceof Double d
                        && !d.isNaN()) {
                    max = Math.max(max, d.longValue());
                }
            }
            metrics.lag.set(max);
        } catch (RuntimeException ignored) {
            // metrics are best effort
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The encoder version currently loaded ("none" for a model without a PhysEncoder). */
    public String servedVersion() {
        return encoder == null ? "none" : encoder.current();
    }

    public WorkerMetrics metrics() {
        return metrics;
    }

    /** Asks the loop to finish its current poll, commit, and stop (SIGTERM). */
    @Override
    public void stop() {
        running = false;
        consumer.wakeup();
    }

    /** Test hook: stop at once as if the process died: the batch in hand is dropped and nothing committed. */
    void halt() {
        halted = true;
        running = false;
    }

    @Override
    public void close() {
        stop();
        outputs.close();
        versions.close();
        producer.close(Duration.ofSeconds(10));
        metrics.close();
        manager.close();
        blobs.close();
        registry.close();
    }
}
