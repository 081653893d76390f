package io.physmaster.streams;

import io.physmaster.schemas.DeadLetter;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.schemas.PreferencePair;
import io.physmaster.streams.WindowState.PairVotes;
import io.physmaster.streams.WindowState.Vote;
import io.physmaster.topics.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Tumbling event-time windows per encoder version, with a grace period (state layout: {@link WindowState}).
 * <ul>
 *   <li>A window's batch is emitted when the window closes: stream time passes end + grace. Or early: when it
 *       holds maxBatchPairs distinct pairs, or when the wall clock passes end + grace before stream time does
 *       (a quiet stream). The window then carries on with its next part (batch id ...#1, #2, ...).</li>
 *   <li>Events for a window closed by stream time are late: dead-lettered and counted (metric
 *       late-preferences-total).</li>
 *   <li>An annotator's vote on an unordered pair counts once within dedupRetention (the first one; later ones,
 *       redeliveries included, are dropped and counted in eventsDropped), as do events below minConfidence.</li>
 *   <li>Conflicting votes on a pair: the majority wins, a tie drops the pair ({@link MajorityVote}).</li>
 *   <li>A record on its input (an internal repartition topic) that it cannot read is a dead letter.</li>
 * </ul>
 * Batch ids are deterministic: encoderVersion@windowStart#part.
 */
final class PreferenceBatcher implements Processor<String, byte[], String, Outcome<PreferenceBatch>> {

    static final String LATE_METRIC = "late-preferences";
    static final long QUIET_BEFORE_COMMIT_MS = 1000;
    private static final Serializer<Bytes> KEYS = Serdes.Bytes().serializer();

    private final StreamsSettings settings;
    private ProcessorContext<String, Outcome<PreferenceBatch>> context;
    private KeyValueStore<String, WindowState> windows;
    private KeyValueStore<Bytes, PairVotes> pairs;
    private WindowStore<String, Integer> counted;
    private Sensor late;
    private long streamTime = Long.MIN_VALUE;
    /** Earliest end + grace of the open windows (MIN_VALUE: unknown, scan at the next record). */
    private long nextCloseAt = Long.MIN_VALUE;
    /** Wall clock of the last batch emitted (0: none yet). */
    private long lastEmitMs;

    PreferenceBatcher(StreamsSettings settings) {
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<String, Outcome<PreferenceBatch>> context) {
        this.context = context;
        this.windows = context.getStateStore(PreferenceBatchTopology.WINDOWS_STORE);
        this.pairs = context.getStateStore(PreferenceBatchTopology.PAIRS_STORE);
        this.counted = context.getStateStore(PreferenceBatchTopology.COUNTED_STORE);
        // -> metrics late-preferences-total / -rate, group stream-preference-batcher-metrics
        this.late = context.metrics().addRateTotalSensor("preference-batcher", context.taskId().toString(),
                LATE_METRIC, Sensor.RecordingLevel.INFO);
        // Stream time closes windows exactly, in process(); the wall clock flushes a stream that went quiet.
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, this::closeDue);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String topic = context.recordMetadata().orElseThrow().topic();
        ResolvedPreference p;
        try {
            p = InternalSerdes.RESOLVED.decodeRecord(topic, record.value());
        } catch (SerializationException e) {
            context.forward(record.withValue(Outcome.dead(StreamsDeadLetters.undecodable(context, record,
                    "resolved preference", e))));
            return;
        }
        long ts = record.timestamp();
        streamTime = Math.max(streamTime, ts);
        long size = settings.window().toMillis();
        long start = ts - Math.floorMod(ts, size);
        if (start + size + settings.grace().toMillis() <= streamTime) {
            late.record();
            context.forward(new Record<>(p.requestId(), Outcome.dead(lateLetter(p, start, size)), ts));
            return;
        }
        String windowKey = WindowState.windowKey(p.encoderVersion(), start);
        WindowState w = windows.get(windowKey);
        if (w == null) {
            w = new WindowState();
            w.encoderVersion = p.encoderVersion();
            w.windowStart = start;
            w.windowEnd = start + size;
            var input = context.recordMetadata().orElseThrow();
            w.id = ((long) input.partition() << 48) | input.offset();
            nextCloseAt = Math.min(nextCloseAt, w.windowEnd + settings.grace().toMillis());
        }
        w.eventsSeen++;
        String pairKey = WindowState.pairKey(p.requestId(), p.preferred(), p.rejected());
        String voter = pairKey + "|" + p.annotator();
        if (p.confidence() < settings.minConfidence() || alreadyCounted(voter, ts)) {
            w.eventsDropped++;
        } else {
            counted.put(voter, 1, ts);
            Bytes pairInPart = WindowState.pairInPart(w.id, w.part, pairKey);
            PairVotes pair = pairs.get(pairInPart);
            if (pair == null) {
                boolean preferredLow = p.preferred() < p.rejected();
                pair = new PairVotes(p.requestId(), Math.min(p.preferred(), p.rejected()),
                        Math.max(p.preferred(), p.rejected()), preferredLow ? p.preferredUri() : p.rejectedUri(),
                        preferredLow ? p.rejectedUri() : p.preferredUri(),
                        preferredLow ? p.preferredSeed() : p.rejectedSeed(),
                        preferredLow ? p.rejectedSeed() : p.preferredSeed(), p.sceneId(), new TreeMap<>());
                w.pairsInPart++;
            }
            pair.votes().put(p.annotator(), new Vote(p.preferred(), p.confidence()));
            pairs.put(pairInPart, pair);
        }
        if (w.pairsInPart >= settings.maxBatchPairs()) {
            emit(w);
            startNextPart(w);
        }
        windows.put(windowKey, w);
        if (streamTime >= nextCloseAt) {
            closeDue(streamTime);
        }
    }

    /** Whether this annotator already voted on this pair within dedupRetention (either side of ts). */
    private boolean alreadyCounted(String voter, long ts) {
        long r = settings.dedupRetention().toMillis();
        try (WindowStoreIterator<Integer> it = counted.fetch(voter, ts - r, ts + r)) {
            return it.hasNext();
        }
    }

    /**
     * Stream time past a window's end + grace closes it: its batch is emitted and its state deleted; later events
     * for it are late. The wall clock past end + grace only flushes: the open part is emitted (a quiet stream
     * still gets its batch) and the window stays open for stragglers, which go in its next part, until stream time
     * closes it. Lateness is decided on stream time alone, so a slow or restarted app loses nothing.
     */
    private void closeDue(long ignored) {
        long wallClock = context.currentSystemTimeMs();
        List<KeyValue<String, WindowState>> all = new ArrayList<>();
        try (KeyValueIterator<String, WindowState> it = windows.all()) {
            it.forEachRemaining(all::add);
        }
        long next = Long.MAX_VALUE;
        for (KeyValue<String, WindowState> kv : all) {
            WindowState w = kv.value;
            long closeAt = w.windowEnd + settings.grace().toMillis();
            if (closeAt <= streamTime) {
                emit(w);
                windows.delete(kv.key);
                continue;
            }
            if (closeAt <= wallClock && w.pairsInPart > 0) {
                emit(w);
                startNextPart(w);
                windows.put(kv.key, w);
            }
            next = Math.min(next, closeAt);
        }
        nextCloseAt = next;
    }

    private static void startNextPart(WindowState w) {
        w.part++;
        w.pairsInPart = 0;
        w.eventsSeen = 0;
        w.eventsDropped = 0;
    }

    /**
     * Resolves every pair of the window's open part by majority, forwards the batch keyed by its id (if any pair
     * survives) and deletes the part's pairs.
     */
    private void emit(WindowState w) {
        Bytes prefix = WindowState.partPrefix(w.id, w.part);
        List<PreferencePair> out = new ArrayList<>();
        List<Bytes> done = new ArrayList<>();
        int dropped = w.eventsDropped;
        try (KeyValueIterator<Bytes, PairVotes> it = pairs.prefixScan(prefix, KEYS)) {
            while (it.hasNext()) {
                KeyValue<Bytes, PairVotes> kv = it.next();
                done.add(kv.key);
                PairVotes pair = kv.value;
                MajorityVote.Result vote = MajorityVote.resolve(pair.low(), pair.high(), pair.votes().values());
                dropped += vote.discarded();
                if (vote.isTie()) {
                    continue;
                }
                boolean lowWins = vote.winner() == pair.low();
                out.add(PreferencePair.newBuilder().setRequestId(pair.requestId()).setSceneId(pair.sceneId())
                        .setPreferredUri(lowWins ? pair.lowUri() : pair.highUri())
                        .setRejectedUri(lowWins ? pair.highUri() : pair.lowUri())
                        .setPreferredSeed(lowWins ? pair.lowSeed() : pair.highSeed())
                        .setRejectedSeed(lowWins ? pair.highSeed() : pair.lowSeed())
                        .setEncoderVersion(w.encoderVersion).setVotes(vote.votes()).setWeight(vote.weight()).build());
            }
        }
        done.forEach(pairs::delete);
        if (out.isEmpty()) {
            return;
        }
        String batchId = w.encoderVersion + "@" + Instant.ofEpochMilli(w.windowStart) + "#" + w.part;
        // A batch after a quiet second is committed at once instead of at the next 1 s commit: the trainer is
        // waiting for it. Under load batches follow each other closely and ride the regular commits.
        long now = context.currentSystemTimeMs();
        if (now - lastEmitMs >= QUIET_BEFORE_COMMIT_MS) {
            context.commit();
        }
        lastEmitMs = now;
        context.forward(new Record<>(batchId, Outcome.of(PreferenceBatch.newBuilder().setBatchId(batchId)
                .setEncoderVersion(w.encoderVersion).setWindowStart(Instant.ofEpochMilli(w.windowStart))
                .setWindowEnd(Instant.ofEpochMilli(w.windowEnd)).setPairs(out).setEventsSeen(w.eventsSeen)
                .setEventsDropped(dropped).build()), w.windowEnd - 1));
    }

    private DeadLetter lateLetter(ResolvedPreference p, long start, long size) {
        return StreamsDeadLetters.of(Topics.PREFERENCE_EVENTS.name(), -1, -1, p.requestId(), null, "late: the window ["
                + Instant.ofEpochMilli(start) + ", " + Instant.ofEpochMilli(start + size) + ") of encoder version "
                + p.encoderVersion() + " closed (grace " + settings.grace() + ") before event " + p.eventId()
                + " arrived", "LateEvent", context.currentSystemTimeMs());
    }
}
