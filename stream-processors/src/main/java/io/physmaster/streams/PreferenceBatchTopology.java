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
 *   generated-videos (raw) --VideoDecoder--> dead letters | VideoSample --by request id--> videos-by-request
 *       --VideoIndexer--> [videos store: requestId|sample -> VideoRef (version, URI, scene, seed)]
 *   preference-events (raw) --PreferenceDecoder (decode, check)--> dead letters
 *       | CheckedPreference --by request id--> preferences-by-request
 *       --PreferenceJoiner (join videos; wait for late videos)--> dead letters
 *       | ResolvedPreference --by encoder version--> by-encoder-version (1 partition)
 *       --PreferenceBatcher (tumbling windows + grace, dedupe, majority, size trigger; see WindowState)-->
 *           dead letters (late) | PreferenceBatch --> preference-batches
 * </pre>
 * Every topic is read as raw bytes and decoded in a processor, so a record that cannot be decoded becomes a dead
 * letter in the same exactly-once transaction as the outputs (Kafka 4.1's DeserializationExceptionHandler can
 * only skip or fail; a dead letter it wrote itself would be outside the transaction). Videos and preferences
 * are repartitioned by request id with Streams' own partitioner before the join: producers we do not control
 * (librdkafka clients hash keys with CRC32, Java with murmur2) put one request's records on different
 * partition numbers. Run with processing.guarantee=exactly_once_v2; every store is changelogged.
 */
public final class PreferenceBatchTopology {

    public static final String APP_ID = "physmaster-preference-batcher";
    static final String VIDEOS_STORE = "videos-by-sample";
    static final String PENDING_STORE = "preferences-awaiting-videos";
    static final String WINDOWS_STORE = "open-windows";
    static final String PAIRS_STORE = "window-pairs";
    static final String COUNTED_STORE = "counted-votes";
    /** Repartition topics (the running app's names: APP_ID-name-repartition). */
    static final String VIDEOS_BY_REQUEST = "videos-by-request";
    static final String PREFERENCES_BY_REQUEST = "preferences-by-request";
    static final String BY_ENCODER_VERSION = "by-encoder-version";
    /** Both by-request topics need the same count (one task joins partition i of each); fixed, like the stores. */
    static final int REQUEST_PARTITIONS = Topics.PREFERENCE_EVENTS.partitions();

    /** The serdes the topology reads and writes our Avro topics with (built on one registry client). */
    public record AvroSerdes(Deserializer<GeneratedVideo> videos, Deserializer<PreferenceEvent> events,
                             Serde<PreferenceBatch> batches, Serde<DeadLetter> deadLetters) {
    }

    public static Topology build(StreamsSettings settings, AvroSerdes serdes) {
        StreamsBuilder b = new StreamsBuilder();
        addStores(b, settings);
        Consumed<String, byte[]> raw = Consumed.with(Serdes.String(), Serdes.ByteArray());

        KStream<String, VideoSample> videos = deadLettersOff("decoded-videos", serdes,
                b.stream(Topics.GENERATED_VIDEOS.name(), raw)
                        .process(() -> new VideoDecoder(serdes.videos()), Named.as("decode-videos")));
        videos.mapValues(InternalSerdes.VIDEO_SAMPLE::encode, Named.as("encode-videos"))
                .repartition(byRequest(VIDEOS_BY_REQUEST))
                .process(VideoIndexer::new, Named.as("index-videos"), VIDEOS_STORE)
                .to(Topics.DEAD_LETTERS.name(), deadLetters(serdes, "indexed-videos-to-dead-letters"));

        KStream<String, CheckedPreference> checked = deadLettersOff("checked", serdes,
                b.stream(Topics.PREFERENCE_EVENTS.name(), raw)
                        .process(() -> new PreferenceDecoder(serdes.events()), Named.as("decode-and-check")));
        KStream<String, ResolvedPreference> resolved = deadLettersOff("joined", serdes,
                checked.mapValues(InternalSerdes.CHECKED::encode, Named.as("encode-checked"))
                        .repartition(byRequest(PREFERENCES_BY_REQUEST))
                        .process(() -> new PreferenceJoiner(settings), Named.as("join-videos"), VIDEOS_STORE,
                                PENDING_STORE));

        KStream<String, PreferenceBatch> batches = deadLettersOff("batched", serdes,
                resolved.mapValues(InternalSerdes.RESOLVED::encode, Named.as("encode-resolved"))
                        // One partition per encoder version stream: every window's batch is built in one place.
                        .repartition(Repartitioned.<String, byte[]>as(BY_ENCODER_VERSION)
                                .withKeySerde(Serdes.String()).withValueSerde(Serdes.ByteArray())
                                .withNumberOfPartitions(1))
                        .process(() -> new PreferenceBatcher(settings), Named.as("window-and-batch"),
                                WINDOWS_STORE, PAIRS_STORE, COUNTED_STORE));
        batches.to(Topics.PREFERENCE_BATCHES.name(), Produced.with(Serdes.String(), serdes.batches())
                .withName("batches-out"));
        return b.build();
    }

    /**
     * Every store is changelogged (restored after a crash, exactly-once with the outputs). The small, churning
     * stores (preferences waiting for videos, open windows and their pairs: deleted about as fast as they are
     * written) are in memory: RocksDB would pile up tombstones that every scan steps over. The open-windows
     * store is cached: a window's record is rewritten on every event, and the cache sends one changelog record
     * per window and commit instead of one per event. The pairs store is not: a pair is written once or twice and
     * deleted within its batch, and a cache would keep every deleted pair until the commit in a sorted map that
     * each lookup walks. The video table is large and read by key: RocksDB + cache.
     */
    private static void addStores(StreamsBuilder b, StreamsSettings settings) {
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(VIDEOS_STORE), Serdes.String(),
                InternalSerdes.VIDEO).withLoggingEnabled(Map.of()).withCachingEnabled());
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(PENDING_STORE), Serdes.String(),
                InternalSerdes.PENDING).withLoggingEnabled(Map.of()));
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(WINDOWS_STORE), Serdes.String(),
                InternalSerdes.WINDOW).withLoggingEnabled(Map.of()).withCachingEnabled());
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(PAIRS_STORE), Serdes.Bytes(),
                InternalSerdes.PAIR).withLoggingEnabled(Map.of()));
        // Dedupe memory: a segmented window store drops whole segments once they are older than the retention.
        b.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(COUNTED_STORE,
                settings.dedupRetention(), Duration.ofMillis(1), false), Serdes.String(), Serdes.Integer())
                .withLoggingEnabled(Map.of()));
    }

    /** Raw bytes keyed by request id, partitioned by Streams (murmur2 of the key) whoever produced the input. */
    private static Repartitioned<String, byte[]> byRequest(String name) {
        return Repartitioned.<String, byte[]>as(name).withKeySerde(Serdes.String())
                .withValueSerde(Serdes.ByteArray()).withNumberOfPartitions(REQUEST_PARTITIONS);
    }

    /** Sends the dead letters among {@code outcomes} to the dead-letter topic and returns the values. */
    private static <T> KStream<String, T> deadLettersOff(String name, AvroSerdes serdes,
                                                         KStream<String, Outcome<T>> outcomes) {
        return outcomes.split(Named.as(name + "-"))
                .branch((k, o) -> o.isDead(), Branched.withConsumer(dead -> dead
                        .mapValues(Outcome::letter, Named.as(name + "-letters"))
                        .to(Topics.DEAD_LETTERS.name(), deadLetters(serdes, name + "-to-dead-letters")), "dead"))
                .defaultBranch(Branched.as("ok"))
                .get(name + "-ok")
                .mapValues(Outcome::value, Named.as(name + "-values"));
    }

    private static Produced<String, DeadLetter> deadLetters(AvroSerdes serdes, String name) {
        return Produced.with(Serdes.String(), serdes.deadLetters()).withName(name);
    }

    private PreferenceBatchTopology() {
    }
}
