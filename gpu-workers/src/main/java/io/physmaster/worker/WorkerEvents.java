package io.physmaster.worker;

import io.physmaster.requests.InvalidRequestException;
import io.physmaster.requests.RequestRules;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.GenerationProgress;
import io.physmaster.schemas.GenerationRequest;
import io.physmaster.schemas.GenerationState;
import io.physmaster.serde.AvroSerializer;
import io.physmaster.serde.SchemaRegistryClient;
import io.physmaster.topics.DeadLetters;
import io.physmaster.topics.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a worker publishes, through one producer (safe from the sampling and the output threads):
 * videos, progress, and dead letters, each dead letter with a FAILED progress event for its request.
 */
final class WorkerEvents implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkerEvents.class);

    private final KafkaProducer<String, SpecificRecord> producer;
    private final String workerId;
    private final WorkerMetrics metrics;

    WorkerEvents(Properties producer, SchemaRegistryClient registry, String workerId, WorkerMetrics metrics) {
        this.producer = new KafkaProducer<>(producer, new StringSerializer(),
                new AvroSerializer<>(registry, false, true, false));
        this.workerId = workerId;
        this.metrics = metrics;
    }

    void video(GeneratedVideo v) {
        producer.send(new ProducerRecord<>(Topics.GENERATED_VIDEOS.name(), v.getRequestId(), v));
        metrics.videos.increment();
    }

    void progress(String requestId, GenerationState state, int step, int total, String message) {
        producer.send(new ProducerRecord<>(Topics.GENERATION_PROGRESS.name(), requestId,
                GenerationProgress.newBuilder().setRequestId(requestId).setState(state).setStep(step)
                        .setTotalSteps(total).setMessage(message).setWorkerId(workerId)
                        .setTime(Instant.now()).build()));
    }

    /**
     * Dead-letters a record read from the requests topic, keeping its bytes for inspection or replay; {@code
     * request} is what it decoded to, or null. {@code kind} names the error in the metrics.
     */
    void rejected(ConsumerRecord<String, byte[]> r, GenerationRequest request, String reason, String errorClass,
                  String kind) {
        metrics.error(kind);
        log.warn("event=dead_letter kind={} topic={} partition={} offset={} key={} reason=\"{}\"", kind, r.topic(),
                r.partition(), r.offset(), printable(r.key()), reason);
        producer.send(new ProducerRecord<>(Topics.DEAD_LETTERS.name(), r.key(), DeadLetters.of(component(),
                r.topic(), r.partition(), r.offset(), r.key(), r.value(), reason, errorClass)));
        String id = request != null ? request.getRequestId() : r.key();
        if (id != null) {
            progress(id, GenerationState.FAILED, 0, request != null ? request.getSteps() : 0, reason);
        }
    }

    /** Dead-letters a request that had been accepted and then failed (its encoder, sampling or storing). */
    void failed(GenerationRequest r, String reason, String errorClass, String kind) {
        metrics.error(kind);
        log.warn("event=dead_letter kind={} request={} reason=\"{}\"", kind, r.getRequestId(), reason);
        producer.send(new ProducerRecord<>(Topics.DEAD_LETTERS.name(), r.getRequestId(), DeadLetters.ofAccepted(
                component(), Topics.GENERATION_REQUESTS.name(), r.getRequestId(), reason, errorClass)));
        progress(r.getRequestId(), GenerationState.FAILED, 0, r.getSteps(), reason);
    }

    void flush() {
        producer.flush();
    }

    private String component() {
        return "worker/" + workerId;
    }

    /** A key goes into the log only if it is a well-formed request id: a log line never carries raw input. */
    private static String printable(String key) {
        try {
            RequestRules.checkRequestId(key);
            return key;
        } catch (InvalidRequestException e) {
            return "(not a valid request id)";
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
