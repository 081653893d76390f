package io.physmaster.streams;

import io.physmaster.schemas.DeadLetter;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.schemas.PreferenceEvent;
import io.physmaster.topics.Topics;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * Preference events to preference batches.
 * <pre>
 *   generated-videos --VideoIndexer--> [videos store: requestId|sample -> VideoRef (version, URI, scene)]
 *   preference-events (raw bytes) --PreferenceValidator (decode, check, join videos; wait for late videos)-->
 *       DeadLetter        --> dead-letters
 *       ResolvedPreference --key by encoder version--> repartition (1 partition)
 *           --PreferenceBatcher (tumbling windows + grace, dedupe, majority, size trigger; see WindowState)-->
 *               PreferenceBatch --> preference-batches;  late events --> dead-letters
 * </pre>
 * Events and videos are both keyed by request id with equal partition counts, so the join is local. Run with
 * processing.guarantee=exactly_once_v2; every store is changelogged.
 */
public final class PreferenceBatchTopology {

    public static final String APP_ID = "physmaster-preference-batcher";
    static final String VIDEOS_STORE = "videos-by-sample";
    static final String PENDING_STORE = "events-awaiting-videos";
    static final String WINDOWS_STORE = "open-windows";
    static final String PAIRS_STORE = "window-pairs";
    static final String COUNTED_STORE = "counted-votes";

    /** The serdes the topology reads and writes our Avro topics with (built on one registry client). */
    public record AvroSerdes(Serde<GeneratedVideo> videos, Deserializer<PreferenceEvent> events,
                             Serde<PreferenceBatch> batches, Serde<DeadLetter> deadLetters) {
    }

    public static Topology build(StreamsSettings settings, AvroSerdes serdes) {
        StreamsBuilder b = new StreamsBuilder();
        // Every store is changelogged (restored after a crash, exactly-once with the outputs). The small, churning
        // stores (events waiting for videos, open windows and their pairs: deleted about as fast as they are
        // written) are in memory: RocksDB would pile up tombstones that every scan steps over. The open-windows
        // store is cached: a window's record is rewritten on every event, and the cache sends one changelog record
        // per window and commit instead of one per event. The pairs store is not: a pair is written once or twice
        // and deleted within its batch, and a cache keeps every deleted pair until the commit in a sorted map
        // that each lookup then walks (uncached: about a third more events/s in StreamsThroughputBenchmark). The
        // video table is large and read by key: RocksDB + cache.
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(VIDEOS_STORE), Serdes.String(),
                InternalSerdes.VIDEO).withLoggingEnabled(Map.of()).withCachingEnabled());
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(PENDING_STORE), Serdes.String(),
                new JsonSerde<>(PreferenceValidator.PendingEvent.class)).withLoggingEnabled(Map.of()));
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(WINDOWS_STORE), Serdes.String(),
                InternalSerdes.WINDOW).withLoggingEnabled(Map.of()).withCachingEnabled());
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(PAIRS_STORE), Serdes.Bytes(),
                InternalSerdes.PAIR).withLoggingEnabled(Map.of()));
        // Dedupe memory: a segmented window store drops whole segments once they are older than the retention.
        b.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(COUNTED_STORE,
                settings.dedupRetention(), Duration.ofMillis(1), false), Serdes.String(), Serdes.Integer())
                .withLoggingEnabled(Map.of()));

        b.stream(Topics.GENERATED_VIDEOS.name(), Consumed.with(Serdes.String(), serdes.videos()))
                .process(VideoIndexer::new, Named.as("index-videos"), VIDEOS_STORE);

        KStream<String, Object> validated = b.stream(Topics.PREFERENCE_EVENTS.name(),
                        Consumed.with(Serdes.String(), Serdes.ByteArray()))
                .process(() -> new PreferenceValidator(settings, serdes.events()), Named.as("validate-and-join"),
                        VIDEOS_STORE, PENDING_STORE);

        var branches = validated.split(Named.as("validated-"))
                .branch((k, v) -> v instanceof DeadLetter, Branched.as("dead"))
                .defaultBranch(Branched.as("ok"));
        branches.get("validated-dead").mapValues(v -> (DeadLetter) v)
                .to(Topics.DEAD_LETTERS.name(), Produced.with(Serdes.String(), serdes.deadLetters()));

        KStream<String, Object> batched = branches.get("validated-ok")
                .mapValues(v -> (ResolvedPreference) v)
                // One partition per encoder version stream: every window's batch is built in one place.
                .repartition(Repartitioned.<String, ResolvedPreference>as("by-encoder-version")
                        .withKeySerde(Serdes.String()).withValueSerde(InternalSerdes.RESOLVED)
                        .withNumberOfPartitions(1))
                .process(() -> new PreferenceBatcher(settings), Named.as("window-and-batch"),
                        WINDOWS_STORE, PAIRS_STORE, COUNTED_STORE);

        var out = batched.split(Named.as("batched-"))
                .branch((k, v) -> v instanceof DeadLetter, Branched.as("late"))
                .defaultBranch(Branched.as("batches"));
        out.get("batched-late").mapValues(v -> (DeadLetter) v)
                .to(Topics.DEAD_LETTERS.name(), Produced.with(Serdes.String(), serdes.deadLetters()));
        out.get("batched-batches").mapValues(v -> (PreferenceBatch) v)
                .to(Topics.PREFERENCE_BATCHES.name(), Produced.with(Serdes.String(), serdes.batches()));
        return b.build();
    }

    private PreferenceBatchTopology() {
    }
}
