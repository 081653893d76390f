package io.physmaster.streams;

import io.physmaster.schemas.DeadLetter;
import io.physmaster.schemas.PreferenceEvent;
import io.physmaster.topics.Topics;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Decodes and checks preference events and joins them with the video table. Valid events whose videos are all
 * there go on as {@link ResolvedPreference}; events whose videos have not arrived wait (up to videoWait) in a
 * store and are retried every second; everything invalid becomes a {@link DeadLetter} with the reason.
 * Output values are ResolvedPreference or DeadLetter; the topology splits them.
 */
final class PreferenceValidator implements Processor<String, byte[], String, Object> {

    /** Ids are keys in the batcher's stores; an id this long is a bug or an attack, not a name. */
    static final int MAX_ID_CHARS = 512;

    private final StreamsSettings settings;
    private final Deserializer<PreferenceEvent> events;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, VideoRef> videos;
    private KeyValueStore<String, PendingEvent> pending;

    /** An event waiting for its videos, with the raw bytes for a dead letter. */
    public record PendingEvent(String key, byte[] value, int partition, long offset, long deadline, long timestamp) {
    }

    PreferenceValidator(StreamsSettings settings, Deserializer<PreferenceEvent> events) {
        this.settings = settings;
        this.events = events;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.videos = context.getStateStore(PreferenceBatchTopology.VIDEOS_STORE);
        this.pending = context.getStateStore(PreferenceBatchTopology.PENDING_STORE);
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, this::retryPending);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        var meta = context.recordMetadata().orElseThrow();
        handle(new PendingEvent(record.key(), record.value(), meta.partition(), meta.offset(),
                context.currentSystemTimeMs() + settings.videoWait().toMillis(), record.timestamp()), false);
    }

    /** Returns true when the event is finished with (forwarded or dead), false when it keeps waiting. */
    private boolean handle(PendingEvent p, boolean retry) {
        PreferenceEvent e;
        try {
            if (p.value() == null) {
                throw new IllegalArgumentException("empty record");
            }
            e = events.deserialize(Topics.PREFERENCE_EVENTS.name(), p.value());
        } catch (RuntimeException ex) {
            dead(p, "undecodable preference event: " + ex.getMessage(), ex.getClass().getName());
            return true;
        }
        String invalid = check(e);
        if (invalid != null) {
            dead(p, invalid, "InvalidPreference");
            return true;
        }
        VideoRef preferred = videos.get(VideoIndexer.key(e.getRequestId(), e.getPreferredSample()));
        VideoRef rejected = videos.get(VideoIndexer.key(e.getRequestId(), e.getRejectedSample()));
        if (preferred == null || rejected == null) {
            if (context.currentSystemTimeMs() >= p.deadline()) {
                dead(p, "unknown sample: request " + e.getRequestId() + " has no video for sample "
                        + (preferred == null ? e.getPreferredSample() : e.getRejectedSample()) + " after waiting "
                        + settings.videoWait(), "UnknownSample");
                return true;
            }
            if (!retry) {
                pending.put(e.getEventId(), p);
            }
            return false;
        }
        if (!preferred.encoderVersion().equals(rejected.encoderVersion())) {
            dead(p, "samples " + e.getPreferredSample() + " and " + e.getRejectedSample() + " of request "
                    + e.getRequestId() + " come from different encoder versions", "InvalidPreference");
            return true;
        }
        context.forward(new Record<>(preferred.encoderVersion(), new ResolvedPreference(e.getEventId(),
                e.getRequestId(), e.getPreferredSample(), e.getRejectedSample(), e.getAnnotator(), e.getConfidence(),
                e.getSource().name(), p.timestamp(), preferred.encoderVersion(), preferred.uri(), rejected.uri(),
                preferred.sceneId(), preferred.seed(), rejected.seed()), p.timestamp()));
        return true;
    }

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

    private void retryPending(long now) {
        List<KeyValue<String, PendingEvent>> all = new ArrayList<>();
        try (KeyValueIterator<String, PendingEvent> it = pending.all()) {
            it.forEachRemaining(all::add);
        }
        for (KeyValue<String, PendingEvent> kv : all) {
            if (handle(kv.value, true)) {
                pending.delete(kv.key);
            }
        }
    }

    private void dead(PendingEvent p, String reason, String errorClass) {
        context.forward(new Record<>(p.key(), DeadLetter.newBuilder()
                .setOriginalTopic(Topics.PREFERENCE_EVENTS.name()).setPartition(p.partition()).setOffset(p.offset())
                .setKey(p.key()).setValue(p.value() == null ? null : ByteBuffer.wrap(p.value())).setReason(reason)
                .setErrorClass(errorClass).setComponent(PreferenceBatchTopology.APP_ID)
                .setTime(Instant.ofEpochMilli(context.currentSystemTimeMs())).build(), p.timestamp()));
    }
}
