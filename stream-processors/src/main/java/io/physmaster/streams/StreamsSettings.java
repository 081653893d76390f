package io.physmaster.streams;

import java.time.Duration;
import java.util.Map;

/**
 * How preferences are batched.
 *
 * @param window        tumbling window length (event time)
 * @param grace         how long after a window ends late events are still accepted
 * @param maxBatchPairs a window's batch is emitted early once it holds this many resolved pairs
 * @param minConfidence events below this confidence are dropped (counted in eventsDropped)
 * @param videoWait     how long an event may wait for its videos to arrive before it is a dead letter
 */
public record StreamsSettings(Duration window, Duration grace, int maxBatchPairs, float minConfidence,
                              Duration videoWait) {

    public static final StreamsSettings DEFAULT = new StreamsSettings(Duration.ofSeconds(30), Duration.ofSeconds(5),
            64, 0.5f, Duration.ofSeconds(30));

    public StreamsSettings {
        if (window.isNegative() || window.isZero() || grace.isNegative() || maxBatchPairs < 1
                || !(minConfidence >= 0 && minConfidence <= 1)) {
            throw new IllegalArgumentException("invalid streams settings: window " + window + ", grace " + grace
                    + ", max pairs " + maxBatchPairs + ", min confidence " + minConfidence);
        }
    }

    /** From PHYSMASTER_BATCH_WINDOW / _GRACE (ISO-8601 durations), _MAX_PAIRS, _MIN_CONFIDENCE, _VIDEO_WAIT. */
    public static StreamsSettings fromEnv(Map<String, String> env) {
        return new StreamsSettings(
                Duration.parse(env.getOrDefault("PHYSMASTER_BATCH_WINDOW", DEFAULT.window().toString())),
                Duration.parse(env.getOrDefault("PHYSMASTER_BATCH_GRACE", DEFAULT.grace().toString())),
                Integer.parseInt(env.getOrDefault("PHYSMASTER_BATCH_MAX_PAIRS", "" + DEFAULT.maxBatchPairs())),
                Float.parseFloat(env.getOrDefault("PHYSMASTER_BATCH_MIN_CONFIDENCE", "" + DEFAULT.minConfidence())),
                Duration.parse(env.getOrDefault("PHYSMASTER_BATCH_VIDEO_WAIT", DEFAULT.videoWait().toString())));
    }
}
