package io.physmaster.streams;

import io.physmaster.schemas.PreferenceEvent;
import io.physmaster.topics.Topics;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Decodes preference events from raw bytes and checks them: anything undecodable or invalid is a dead letter
 * with the reason (in the same transaction as everything else); the rest go on as {@link CheckedPreference},
 * keyed by their request id (from the value: the producer's key and partition are not trusted for the join).
 */
final class PreferenceDecoder implements Processor<String, byte[], String, Outcome<CheckedPreference>> {

    /** Ids are keys in the batcher's stores; an id this long is a bug or an attack, not a name. */
    static final int MAX_ID_CHARS = 512;

    private final Deserializer<PreferenceEvent> events;
    private ProcessorContext<String, Outcome<CheckedPreference>> context;
    private CommitWhenQuiet commits;

    PreferenceDecoder(Deserializer<PreferenceEvent> events) {
        this.events = events;
    }

    @Override
    public void init(ProcessorContext<String, Outcome<CheckedPreference>> context) {
        this.context = context;
        this.commits = new CommitWhenQuiet(context);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        PreferenceEvent e;
        try {
            if (record.value() == null) {
                throw new IllegalArgumentException("empty record");
            }
            e = events.deserialize(Topics.PREFERENCE_EVENTS.name(), record.value());
        } catch (RuntimeException ex) {
            StreamsDeadLetters.rethrowIfTransient(ex);
            context.forward(record.withValue(Outcome.dead(StreamsDeadLetters.undecodable(context, record,
                    "preference event", ex))));
            return;
        }
        String invalid = check(e);
        if (invalid != null) {
            context.forward(record.withValue(Outcome.dead(StreamsDeadLetters.of(context, record,
                    "invalid preference: " + invalid, "InvalidPreference"))));
            return;
        }
        RecordMetadata meta = context.recordMetadata().orElseThrow();
        CheckedPreference checked = new CheckedPreference(e.getEventId(), e.getRequestId(), e.getPreferredSample(),
                e.getRejectedSample(), e.getAnnotator(), e.getConfidence(), e.getSource().name(),
                new CheckedPreference.Origin(record.key(), meta.partition(), meta.offset(), record.value()));
        context.forward(record.withKey(e.getRequestId()).withValue(Outcome.of(checked)));
        commits.forwarded();
    }

    /** What is wrong with the event, or null. */
    static String check(PreferenceEvent e) {
        if (e.getPreferredSample() == e.getRejectedSample()) {
            return "preferred and rejected are the same sample (" + e.getPreferredSample() + ")";
        }
        if (e.getPreferredSample() < 0 || e.getRejectedSample() < 0) {
            return "sample indexes must be >= 0, got " + e.getPreferredSample() + " and " + e.getRejectedSample();
        }
        if (!(e.getConfidence() >= 0 && e.getConfidence() <= 1)) {
            return "confidence must be in [0, 1], got " + e.getConfidence();
        }
        if (e.getAnnotator() == null || e.getAnnotator().isBlank()) {
            return "annotator is missing";
        }
        if (e.getAnnotator().length() > MAX_ID_CHARS || e.getEventId().length() > MAX_ID_CHARS
                || e.getRequestId().length() > MAX_ID_CHARS) {
            return "event id, request id and annotator must be at most " + MAX_ID_CHARS + " characters";
        }
        if (e.getSource() == null) {
            return "unknown source";
        }
        return null;
    }
}
