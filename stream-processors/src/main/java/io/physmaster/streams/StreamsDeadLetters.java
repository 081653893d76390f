package io.physmaster.streams;

import io.physmaster.schemas.DeadLetter;
import io.physmaster.serde.RegistryException;
import java.time.Instant;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * The Streams app's dead letters, built by the shared factory ({@link io.physmaster.topics.DeadLetters}): one
 * component name, and reasons of the form "what: why" (undecodable ...,
 * invalid preference, unknown sample, late) that name ids and sizes but never echo the record's content; the
 * raw bytes go in the letter's value, for replay.
 */
final class StreamsDeadLetters {

    static final String COMPONENT = "stream-processors";

    static DeadLetter of(String topic, int partition, long offset, String key, byte[] value, String reason,
                         String errorClass, long nowMs) {
        return io.physmaster.topics.DeadLetters.of(COMPONENT, topic, partition, offset, key, value, reason,
                errorClass, Instant.ofEpochMilli(nowMs));
    }

    /** A dead letter for the raw record the processor is handling now. */
    static DeadLetter of(ProcessorContext<?, ?> context, Record<String, byte[]> record, String reason,
                         String errorClass) {
        RecordMetadata meta = context.recordMetadata().orElseThrow();
        return of(meta.topic(), meta.partition(), meta.offset(), record.key(), record.value(), reason, errorClass,
                context.currentSystemTimeMs());
    }

    /**
     * A dead letter for a raw record that cannot be decoded as {@code what}. Our deserializers' messages say what
     * is wrong with the bytes (header, schema id, sizes, format), not what they hold.
     */
    static DeadLetter undecodable(ProcessorContext<?, ?> context, Record<String, byte[]> record, String what,
                                  RuntimeException e) {
        String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        return of(context, record, "undecodable " + what + ": " + why, e.getClass().getName());
    }

    /**
     * Rethrows a decoding failure that is not the record's fault (the schema registry could not be asked), so
     * the task fails and the record is processed again later instead of being dead-lettered.
     */
    static void rethrowIfTransient(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RegistryException r && !r.isNotFound()) {
                throw e;
            }
        }
    }

    private StreamsDeadLetters() {
    }
}
