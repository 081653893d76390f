package io.physmaster.topics;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Every Kafka topic the system uses, with its partitions and retention. The one place topic names and
 * settings live: the local stack creates them from here, docker-compose's topic job mirrors them, and every
 * producer and consumer refers to these constants.
 */
public final class Topics {

    /** Prefix for every topic, so the system can share a cluster. */
    public static final String PREFIX = "physmaster.";

    /** How a topic discards old records. */
    public enum Cleanup { DELETE, COMPACT }

    /**
     * One topic's definition.
     *
     * @param name       full topic name
     * @param partitions partition count (the upper bound on consumers in one group)
     * @param cleanup    delete by age, or compact to the latest record per key
     * @param retention  how long records are kept (ignored for compacted topics: kept forever)
     * @param valueType  the Avro record every value is (simple class name in io.physmaster.schemas)
     * @param keyMeaning what the UTF-8 string key is
     */
    public record Topic(String name, int partitions, Cleanup cleanup, Duration retention,
                        String valueType, String keyMeaning) {

        /** Broker-side topic configs (cleanup.policy, retention.ms, ...). */
        public Map<String, String> configs() {
            if (cleanup == Cleanup.COMPACT) {
                return Map.of(
                        "cleanup.policy", "compact",
                        // Compact quickly so a worker that starts late reads few stale versions.
                        "min.cleanable.dirty.ratio", "0.1",
                        "segment.ms", Long.toString(Duration.ofHours(1).toMillis()));
            }
            return Map.of(
                    "cleanup.policy", "delete",
                    "retention.ms", Long.toString(retention.toMillis()));
        }
    }

    public static final Topic GENERATION_REQUESTS = new Topic(PREFIX + "generation-requests", 6,
            Cleanup.DELETE, Duration.ofDays(7), "GenerationRequest", "request id");
    public static final Topic GENERATION_PROGRESS = new Topic(PREFIX + "generation-progress", 6,
            Cleanup.DELETE, Duration.ofDays(1), "GenerationProgress", "request id");
    public static final Topic GENERATED_VIDEOS = new Topic(PREFIX + "generated-videos", 6,
            Cleanup.DELETE, Duration.ofDays(30), "GeneratedVideo", "request id");
    public static final Topic PREFERENCE_EVENTS = new Topic(PREFIX + "preference-events", 6,
            Cleanup.DELETE, Duration.ofDays(30), "PreferenceEvent", "request id");
    public static final Topic PREFERENCE_BATCHES = new Topic(PREFIX + "preference-batches", 1,
            Cleanup.DELETE, Duration.ofDays(30), "PreferenceBatch", "batch id");
    // One partition and compaction keyed by version id: history survives compaction, and the record with the
    // highest offset is the version to serve, so republishing an older version rolls back.
    public static final Topic ENCODER_VERSIONS = new Topic(PREFIX + "encoder-versions", 1,
            Cleanup.COMPACT, Duration.ZERO, "EncoderVersion", "encoder version id");
    public static final Topic DEAD_LETTERS = new Topic(PREFIX + "dead-letters", 3,
            Cleanup.DELETE, Duration.ofDays(30), "DeadLetter", "key of the original record");

    public static final List<Topic> ALL = List.of(GENERATION_REQUESTS, GENERATION_PROGRESS, GENERATED_VIDEOS,
            PREFERENCE_EVENTS, PREFERENCE_BATCHES, ENCODER_VERSIONS, DEAD_LETTERS);

    private Topics() {
    }
}
