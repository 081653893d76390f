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
import io.physmaster.schemas.GenerationRequest;
import io.physmaster.schemas.GenerationState;
import io.physmaster.serde.SchemaRegistryClient;
import io.physmaster.role.Commits;
import io.physmaster.role.ConnectionSettings;
import io.physmaster.encoder.EncoderVersionFeed;
import io.physmaster.role.Roles;
import io.physmaster.topics.Topics;
import io.physmaster.versions.VersionTrust;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A GPU worker: one member of the consumer group on the generation-requests topic.
 *
 * <p>Per poll: decode and validate every request, group the good ones by encoder version, swap the physical
 * head if needed, sample all their videos in batches, store MP4 + exact frames + contact sheet, publish one
 * GeneratedVideo per sample, and only then commit the offsets.
 *
 * <p>A failure one request causes (its bytes, its fields, its first frame, its sampling or storing, whatever
 * the exception) dead-letters that request with a short reason and the others go on. A failure that is not
 * the request's fault (the blob store, registry or broker unavailable) redoes the poll after a pause, at
 * most {@link PollRetries#MAX_ATTEMPTS} times per record before it is dead-lettered too: no record can block
 * its partition. A crash before the commit also redoes the poll; blob keys are content-addressed
 * ({@link VideoOutputs}), so a redo never changes the bytes an earlier record points at, and consumers dedupe
 * videos by (request id, sample index).
 *
 * <p>Over 300 lines: the poll, commit and retry loop is one piece (sampling is BatchGenerator, outputs WorkerEvents).
 */
public final class GenerationWorker implements Roles.Role {

    private static final Logger log = LoggerFactory.getLogger(GenerationWorker.class);

    private final WorkerSettings settings;
    private final SchemaRegistryClient registry;
    private final BlobStore blobs;
    private final NDManager manager;
    private final RequestDecoder decoder;
    private final KafkaConsumer<String, byte[]> consumer;
    private final WorkerEvents events;
    private final EncoderVersionFeed versions;
    private final WorkerMetrics metrics;
    private final OutputPipeline outputs;
    private final BatchGenerator generator;
    private final PollRetries retries = new PollRetries(PollRetries.MAX_ATTEMPTS);
    private final EncoderRouting encoders;
    private volatile boolean running = true;

    public GenerationWorker(WorkerSettings settings) throws IOException {
        this.settings = settings;
        ConnectionSettings connection = settings.connection();
        this.registry = connection.registry();
        this.blobs = connection.openBlobStore();
        this.manager = NDManager.newBaseManager();
        PhysMasterModel model = Models.load(settings.model(), manager);
        this.decoder = new RequestDecoder(RequestLimits.DEFAULT, blobs, registry, model.config().frames(),
                model.config().size());

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
        this.metrics = new WorkerMetrics(settings.workerId());
        this.events = new WorkerEvents(p, registry, settings.workerId(), metrics);
        VersionTrust trust = connection.versionTrust();
        this.versions = new EncoderVersionFeed(connection.consumer(null), registry, trust);
        this.encoders = new EncoderRouting(model.encoder() == null ? null
                : new ServedEncoder(model, settings.baseEncoderVersion(), blobs, manager), versions::get, trust,
                settings.baseEncoderVersion(), metrics);
        this.outputs = new OutputPipeline(settings.workerId() + "-outputs");
        EulerSampler sampler = new EulerSampler(model, manager);
        double[] warm = sampler.warmUp(settings.maxBatch(), 2); // shapes, not step counts, need warming
        log.info("event=sampler_warmed batch={} cold_s={} warm_s={}", settings.maxBatch(),
                String.format(java.util.Locale.ROOT, "%.3f", warm[0]), String.format(java.util.Locale.ROOT, "%.3f", warm[1]));
        this.generator = new BatchGenerator(settings, sampler, model.config().size(), blobs, outputs, events, metrics);
        metrics.serve(settings.metricsHost(), settings.metricsPort()); // logs where, unless the port is -1
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
                    retryLater(polled, e);
                    continue;
                }
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (TopicPartition tp : polled.partitions()) {
                    List<ConsumerRecord<String, byte[]>> rs = polled.records(tp);
                    offsets.put(tp, new OffsetAndMetadata(rs.get(rs.size() - 1).offset() + 1));
                }
                // Rebalanced: the partitions' new owner redoes these requests; stopped: a restart redoes them.
                Commits.commit(consumer, offsets, () -> running);
                retries.forget(polled);
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } finally {
            consumer.close(Duration.ofSeconds(10));
        }
    }

    /**
     * Not the requests' fault (storage, registry, broker): charges the attempt to the records concerned (all
     * of them when the failure names none), rewinds to the poll's start and pauses before it is redone. A
     * record charged too often is dead-lettered by the next {@link #process}.
     */
    private void retryLater(ConsumerRecords<String, byte[]> polled, RuntimeException e) {
        List<ConsumerRecord<String, byte[]>> charged = new ArrayList<>();
        String reason;
        if (e instanceof PollRetries.Unavailable u) {
            charged.addAll(u.records());
            reason = u.getMessage();
        } else {
            reason = "processing failed (" + e.getClass().getSimpleName() + ")";
        }
        if (charged.isEmpty()) {
            polled.forEach(charged::add);
        }
        int attempt = retries.charge(charged, reason);
        metrics.error("batch_failed");
        String line = "event=batch_failed records={} charged={} attempt={} max={} reason=\"{}\"";
        if (e instanceof PollRetries.Unavailable) { // expected in an outage: its cause was logged where it arose
            log.warn(line, polled.count(), charged.size(), attempt, PollRetries.MAX_ATTEMPTS, reason);
        } else {
            log.error(line, polled.count(), charged.size(), attempt, PollRetries.MAX_ATTEMPTS, reason, e);
        }
        for (TopicPartition tp : polled.partitions()) {
            consumer.seek(tp, polled.records(tp).get(0).offset());
        }
        long until = System.nanoTime() + retries.pause(attempt).toNanos();
        while (running && System.nanoTime() < until) {
            Roles.pause(100);
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
        BatchGenerator.Poll poll = new BatchGenerator.Poll();
        Map<String, List<AcceptedRequest>> byVersion = new LinkedHashMap<>();
        EncoderVersion latest = versions.current();
        for (ConsumerRecord<String, byte[]> r : polled) {
            if (retries.exhausted(r)) {
                events.rejected(r, null, retries.reason(r), "RetriesExhausted", "retries_exhausted");
                continue;
            }
            AcceptedRequest a = accept(r, latest);
            if (a != null) {
                byVersion.computeIfAbsent(a.encoderVersion(), k -> new ArrayList<>()).add(a);
            }
        }
        for (var e : byVersion.entrySet()) {
            if (encoders.serve(e.getKey())) {
                generator.generate(e.getValue(), poll);
                continue;
            }
            // The version failed to load: requests that pinned it fail; the others get the version in service.
            List<AcceptedRequest> fallback = new ArrayList<>();
            for (AcceptedRequest a : e.getValue()) {
                if (a.request().getEncoderVersion() != null) {
                    events.failed(a.request(), "encoder version '" + e.getKey() + "' could not be loaded",
                            "EncoderUnavailable", "encoder_unavailable");
                } else {
                    fallback.add(a.withVersion(servedVersion()));
                }
            }
            if (!fallback.isEmpty()) {
                generator.generate(fallback, poll);
            }
        }
        outputs.awaitAll(); // every video stored and sent before the flush and the commit
        events.flush();
        poll.throwIfUnavailable();
    }

    /**
     * Decodes and checks one record; null if it was dead-lettered. Whatever the record itself causes is its
     * dead letter; a store or registry being unavailable throws {@link PollRetries.Unavailable}.
     */
    private AcceptedRequest accept(ConsumerRecord<String, byte[]> r, EncoderVersion latest) {
        GenerationRequest req;
        try {
            req = decoder.read(r.topic(), r.value());
        } catch (SerializationException e) {
            events.rejected(r, null, "undecodable record: " + e.getMessage(), e.getClass().getName(), "undecodable");
            return null;
        } catch (IOException e) {
            log.warn("event=registry_unavailable partition={} offset={} reason=\"{}\"", r.partition(), r.offset(),
                    e.getCause());
            throw new PollRetries.Unavailable(List.of(r), e.getMessage(), e);
        } catch (RuntimeException e) {
            events.rejected(r, null, "undecodable record (" + e.getClass().getSimpleName() + ")",
                    e.getClass().getName(), "undecodable");
            return null;
        }
        try {
            float[] frame = decoder.firstFrame(req);
            String version = req.getEncoderVersion() != null ? req.getEncoderVersion() : encoders.target(latest);
            if (!encoders.canServe(version)) {
                throw new InvalidRequestException("encoder version '" + version + "' is unknown, not signed "
                        + "by the trusted trainer key, or its checkpoint failed verification");
            }
            events.progress(req.getRequestId(), GenerationState.ACCEPTED, 0, req.getSteps(), null);
            return new AcceptedRequest(r, req, frame, version, Instant.now());
        } catch (InvalidRequestException e) {
            events.rejected(r, req, e.getMessage(), e.getClass().getName(), "invalid_request");
        } catch (IOException e) {
            log.warn("event=first_frame_unavailable request={} reason=\"{}\"", req.getRequestId(), e.toString());
            throw new PollRetries.Unavailable(List.of(r), "first frame could not be read: blob store unavailable ("
                    + e.getClass().getSimpleName() + ")", e);
        } catch (RuntimeException e) {
            log.warn("event=request_unreadable partition={} offset={}", r.partition(), r.offset(), e);
            events.rejected(r, req, "request could not be read (" + e.getClass().getSimpleName() + ")",
                    e.getClass().getName(), "invalid_request");
        }
        return null;
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

    /** The encoder version currently loaded ("none" for a model without a PhysEncoder). */
    public String servedVersion() {
        return encoders.served();
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

    @Override
    public void close() {
        stop();
        outputs.close();
        versions.close();
        events.close();
        metrics.close();
        manager.close();
        blobs.close();
        registry.close();
    }
}
