package io.physmaster.streams;

import io.physmaster.schemas.DeadLetter;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.schemas.PreferencePair;
import io.physmaster.topics.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Tumbling event-time windows per encoder version, with a grace period. A window's batch is emitted when the
 * window closes (end + grace passed on stream time or on the wall clock, whichever is first, so a quiet stream
 * still flushes) or early when it holds maxBatchPairs resolved pairs. Conflicting votes on a pair are resolved
 * by majority; ties are dropped. Events for an already closed window are late: dropped and dead-lettered.
 */
final class PreferenceBatcher implements Processor<String, ResolvedPreference, String, Object> {

    private final StreamsSettings settings;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, WindowState> windows;
    private long streamTime = Long.MIN_VALUE;

    PreferenceBatcher(StreamsSettings settings) {
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.windows = context.getStateStore(PreferenceBatchTopology.WINDOWS_STORE);
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, this::closeDue);
        context.schedule(Duration.ofSeconds(1), PunctuationType.STREAM_TIME, this::closeDue);
    }

    @Override
    public void process(Record<String, ResolvedPreference> record) {
        ResolvedPreference p = record.value();
        long ts = record.timestamp();
        streamTime = Math.max(streamTime, ts);
        long size = settings.window().toMillis();
        long start = ts - Math.floorMod(ts, size);
        if (start + size + settings.grace().toMillis() <= now()) {
            context.forward(new Record<>(p.requestId(), DeadLetter.newBuilder()
                    .setOriginalTopic(Topics.PREFERENCE_EVENTS.name()).setPartition(-1).setOffset(-1)
                    .setKey(p.requestId()).setReason("late: the window [" + Instant.ofEpochMilli(start) + ", "
                            + Instant.ofEpochMilli(start + size) + ") closed before event " + p.eventId() + " arrived")
                    .setErrorClass("LateEvent").setComponent(PreferenceBatchTopology.APP_ID)
                    .setTime(Instant.ofEpochMilli(context.currentSystemTimeMs())).build(), ts));
            return;
        }
        String key = p.encoderVersion() + "@" + start;
        WindowState w = windows.get(key);
        if (w == null) {
            w = new WindowState();
            w.encoderVersion = p.encoderVersion();
            w.windowStart = start;
            w.windowEnd = start + size;
        }
        w.eventsSeen++;
        if (!w.eventIds.add(p.eventId())) {
            w.eventsDropped++; // the same event delivered twice
        } else if (p.confidence() < settings.minConfidence()) {
            w.eventsDropped++;
        } else {
            WindowState.PairVotes votes = w.pairs.computeIfAbsent(
                    WindowState.pairKey(p.requestId(), p.preferred(), p.rejected()), k -> new WindowState.PairVotes());
            votes.requestId = p.requestId();
            votes.low = Math.min(p.preferred(), p.rejected());
            votes.high = Math.max(p.preferred(), p.rejected());
            if (votes.preferredBy.put(p.annotator(), p.preferred()) != null) {
                w.eventsDropped++; // an annotator's earlier vote on this pair is replaced, counted once
            }
            votes.confidenceBy.put(p.annotator(), p.confidence());
            votes.uris.put(Integer.toString(p.preferred()), p.preferredUri());
            votes.uris.put(Integer.toString(p.rejected()), p.rejectedUri());
            votes.sceneId = p.sceneId();
        }
        if (w.pairs.size() >= settings.maxBatchPairs()) {
            emit(w);
            w.part++;
            w.pairs.clear();
            w.eventsSeen = 0;
            w.eventsDropped = 0;
        }
        windows.put(key, w);
    }

    private long now() {
        return Math.max(streamTime, context.currentSystemTimeMs());
    }

    private void closeDue(long ignored) {
        long now = now();
        List<KeyValue<String, WindowState>> due = new ArrayList<>();
        try (KeyValueIterator<String, WindowState> it = windows.all()) {
            while (it.hasNext()) {
                KeyValue<String, WindowState> kv = it.next();
                if (kv.value.windowEnd + settings.grace().toMillis() <= now) {
                    due.add(kv);
                }
            }
        }
        for (KeyValue<String, WindowState> kv : due) {
            if (!kv.value.pairs.isEmpty()) {
                emit(kv.value);
            }
            windows.delete(kv.key);
        }
    }

    /** Resolves every pair by majority and forwards the batch (keyed by its deterministic id). */
    private void emit(WindowState w) {
        List<PreferencePair> pairs = new ArrayList<>();
        int dropped = w.eventsDropped;
        for (WindowState.PairVotes v : w.pairs.values()) {
            int forHigh = 0;
            float confHigh = 0;
            int forLow = 0;
            float confLow = 0;
            for (Map.Entry<String, Integer> vote : v.preferredBy.entrySet()) {
                float c = v.confidenceBy.get(vote.getKey());
                if (vote.getValue() == v.high) {
                    forHigh++;
                    confHigh += c;
                } else {
                    forLow++;
                    confLow += c;
                }
            }
            if (forHigh == forLow) {
                dropped += forHigh + forLow; // a tie: no preference
                continue;
            }
            boolean highWins = forHigh > forLow;
            int winner = highWins ? v.high : v.low;
            int loser = highWins ? v.low : v.high;
            int votes = highWins ? forHigh : forLow;
            dropped += highWins ? forLow : forHigh;
            pairs.add(PreferencePair.newBuilder().setRequestId(v.requestId).setSceneId(v.sceneId)
                    .setPreferredUri(v.uris.get(Integer.toString(winner)))
                    .setRejectedUri(v.uris.get(Integer.toString(loser)))
                    .setEncoderVersion(w.encoderVersion).setVotes(votes)
                    .setWeight((highWins ? confHigh : confLow) / votes).build());
        }
        if (pairs.isEmpty()) {
            return;
        }
        String batchId = w.encoderVersion + "@" + Instant.ofEpochMilli(w.windowStart) + "#" + w.part;
        context.forward(new Record<>(batchId, PreferenceBatch.newBuilder().setBatchId(batchId)
                .setEncoderVersion(w.encoderVersion).setWindowStart(Instant.ofEpochMilli(w.windowStart))
                .setWindowEnd(Instant.ofEpochMilli(w.windowEnd)).setPairs(pairs).setEventsSeen(w.eventsSeen)
                .setEventsDropped(dropped).build(), w.windowEnd - 1));
    }
}
