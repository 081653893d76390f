package io.physmaster.streams;

import io.physmaster.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Joins checked preferences with the video table. Both arrive repartitioned by request id, so a preference and
 * its videos are in the same task whatever partitioner their producers used. A preference whose videos are all
 * there goes on as a {@link ResolvedPreference} keyed by encoder version; one whose videos have not arrived
 * waits (up to videoWait) in a store and is retried every second; one that cannot be joined is a dead letter.
 */
final class PreferenceJoiner implements Processor<String, byte[], String, Outcome<ResolvedPreference>> {

    private final StreamsSettings settings;
    private ProcessorContext<String, Outcome<ResolvedPreference>> context;
    private KeyValueStore<String, VideoRef> videos;
    private KeyValueStore<String, PendingPreference> pending;
    private CommitWhenQuiet commits;

    PreferenceJoiner(StreamsSettings settings) {
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<String, Outcome<ResolvedPreference>> context) {
        this.context = context;
        this.videos = context.getStateStore(PreferenceBatchTopology.VIDEOS_STORE);
        this.pending = context.getStateStore(PreferenceBatchTopology.PENDING_STORE);
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, this::retryPending);
        this.commits = new CommitWhenQuiet(context);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String topic = context.recordMetadata().orElseThrow().topic();
        CheckedPreference p;
        try {
            p = InternalSerdes.CHECKED.decodeRecord(topic, record.value());
        } catch (SerializationException e) {
            context.forward(record.withValue(Outcome.dead(StreamsDeadLetters.undecodable(context, record,
                    "checked preference", e))));
            return;
        }
        handle(new PendingPreference(p, record.timestamp(),
                context.currentSystemTimeMs() + settings.videoWait().toMillis()), false);
    }

    /** Returns true when the preference is finished with (forwarded or dead), false when it keeps waiting. */
    private boolean handle(PendingPreference waiting, boolean retry) {
        CheckedPreference p = waiting.preference();
        VideoRef preferred = videos.get(VideoIndexer.key(p.requestId(), p.preferred()));
        VideoRef rejected = videos.get(VideoIndexer.key(p.requestId(), p.rejected()));
        if (preferred == null || rejected == null) {
            if (context.currentSystemTimeMs() >= waiting.deadline()) {
                dead(waiting, "unknown sample: request " + p.requestId() + " has no video for sample "
                        + (preferred == null ? p.preferred() : p.rejected()) + " after waiting "
                        + settings.videoWait(), "UnknownSample");
                return true;
            }
            if (!retry) {
                pending.put(p.eventId(), waiting);
            }
            return false;
        }
        if (!preferred.encoderVersion().equals(rejected.encoderVersion())) {
            dead(waiting, "invalid preference: samples " + p.preferred() + " and " + p.rejected() + " of request "
                    + p.requestId() + " come from different encoder versions", "InvalidPreference");
            return true;
        }
        context.forward(new Record<>(preferred.encoderVersion(), Outcome.of(new ResolvedPreference(p.eventId(),
                p.requestId(), p.preferred(), p.rejected(), p.annotator(), p.confidence(), p.source(),
                waiting.timestamp(), preferred.encoderVersion(), preferred.uri(), rejected.uri(), preferred.sceneId(),
                preferred.seed(), rejected.seed())), waiting.timestamp()));
        commits.forwarded();
        return true;
    }

    private void retryPending(long now) {
        List<KeyValue<String, PendingPreference>> all = new ArrayList<>();
        try (KeyValueIterator<String, PendingPreference> it = pending.all()) {
            it.forEachRemaining(all::add);
        }
        for (KeyValue<String, PendingPreference> kv : all) {
            if (handle(kv.value, true)) {
                pending.delete(kv.key);
            }
        }
    }

    /** A dead letter pointing at the original preference event, with its bytes. */
    private void dead(PendingPreference waiting, String reason, String errorClass) {
        CheckedPreference.Origin origin = waiting.preference().origin();
        context.forward(new Record<>(origin.key(), Outcome.dead(StreamsDeadLetters.of(Topics.PREFERENCE_EVENTS.name(),
                origin.partition(), origin.offset(), origin.key(), origin.value(), reason, errorClass,
                context.currentSystemTimeMs())), waiting.timestamp()));
    }
}
