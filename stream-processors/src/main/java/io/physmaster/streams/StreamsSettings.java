package io.physmaster.streams;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * How preferences are batched.
 *
 * @param window         tumbling window length (event time)
 * @param grace          how long after a window ends late events are still accepted
 * @param maxBatchPairs  a window's batch is emitted early once it holds this many distinct pairs
 * @param minConfidence  events below this confidence are dropped (counted in the batch's eventsDropped)
 * @param videoWait      how long an event may wait for its videos to arrive before it is a dead letter
 * @param dedupRetention how long an (annotator, pair) vote is remembered: a repeat within it is dropped,
 *                       also across windows
 */
public record StreamsSettings(Duration window, Duration grace, int maxBatchPairs, float minConfidence,
                              Duration videoWait, Duration dedupRetention) {

    public static final StreamsSettings DEFAULT = new StreamsSettings(Duration.ofSeconds(30), Duration.ofSeconds(5),
            64, 0.5f, Duration.ofSeconds(30), Duration.ofHours(24));

    /** Property keys (a --config file) and the environment variables that set the same thing. */
    public static final String WINDOW = "batch.window";
    public static final String GRACE = "batch.grace";
    public static final String MAX_PAIRS = "batch.max.pairs";
    public static final String MIN_CONFIDENCE = "batch.min.confidence";
    public static final String VIDEO_WAIT = "batch.video.wait";
    public static final String DEDUP_RETENTION = "batch.dedup.retention";

    public StreamsSettings {
        require(window, "window", false);
        require(grace, "grace", true);
        require(videoWait, "video wait", true);
        require(dedupRetention, "dedup retention", false);
        if (maxBatchPairs < 1) {
            throw new IllegalArgumentException("max batch pairs must be >= 1, got " + maxBatchPairs);
        }
        if (!(minConfidence >= 0 && minConfidence <= 1)) {
            throw new IllegalArgumentException("min confidence must be in [0, 1], got " + minConfidence);
        }
    }

    /** Without a dedup retention: the default one (24 h). */
    public StreamsSettings(Duration window, Duration grace, int maxBatchPairs, float minConfidence,
                           Duration videoWait) {
        this(window, grace, maxBatchPairs, minConfidence, videoWait, DEFAULT.dedupRetention());
    }

    /**
     * From properties {@code batch.window}, {@code batch.grace}, {@code batch.video.wait},
     * {@code batch.dedup.retention} (ISO-8601 like PT30S, or 30s / 500ms / 5m / 2h), {@code batch.max.pairs},
     * {@code batch.min.confidence}; missing keys take the defaults.
     */
    public static StreamsSettings fromProperties(Properties p) {
        return new StreamsSettings(
                duration(p, WINDOW, DEFAULT.window()),
                duration(p, GRACE, DEFAULT.grace()),
                integer(p, MAX_PAIRS, DEFAULT.maxBatchPairs()),
                (float) decimal(p, MIN_CONFIDENCE, DEFAULT.minConfidence()),
                duration(p, VIDEO_WAIT, DEFAULT.videoWait()),
                duration(p, DEDUP_RETENTION, DEFAULT.dedupRetention()));
    }

    /** From PHYSMASTER_BATCH_WINDOW, _GRACE, _MAX_PAIRS, _MIN_CONFIDENCE, _VIDEO_WAIT, _DEDUP_RETENTION. */
    public static StreamsSettings fromEnv(Map<String, String> env) {
        Properties p = new Properties();
        for (String key : new String[] {WINDOW, GRACE, MAX_PAIRS, MIN_CONFIDENCE, VIDEO_WAIT, DEDUP_RETENTION}) {
            String v = env.get("PHYSMASTER_" + key.toUpperCase(Locale.ROOT).replace('.', '_'));
            if (v != null) {
                p.setProperty(key, v);
            }
        }
        return fromProperties(p);
    }

    /** These settings as properties (the inverse of fromProperties). */
    public Map<String, String> toProperties() {
        Map<String, String> m = new HashMap<>();
        m.put(WINDOW, window.toString());
        m.put(GRACE, grace.toString());
        m.put(MAX_PAIRS, Integer.toString(maxBatchPairs));
        m.put(MIN_CONFIDENCE, Float.toString(minConfidence));
        m.put(VIDEO_WAIT, videoWait.toString());
        m.put(DEDUP_RETENTION, dedupRetention.toString());
        return m;
    }

    /** "PT30S" or a number with a unit: 500ms, 30s, 5m, 2h, 1d. */
    static Duration parseDuration(String key, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("p")) {
                return Duration.parse(t.toUpperCase(Locale.ROOT));
            }
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            switch (t.charAt(t.length() - 1)) {
                case 's': return Duration.ofSeconds(n);
                case 'm': return Duration.ofMinutes(n);
                case 'h': return Duration.ofHours(n);
                case 'd': return Duration.ofDays(n);
                default: break;
            }
        } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException(key + ": '" + text + "' is not a duration (use e.g. PT30S, 30s, 500ms, 5m)");
    }

    private static Duration duration(Properties p, String key, Duration dflt) {
        String v = p.getProperty(key);
        return v == null ? dflt : parseDuration(key, v);
    }

    private static int integer(Properties p, String key, int dflt) {
        String v = p.getProperty(key);
        try {
            return v == null ? dflt : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": '" + v + "' is not an integer");
        }
    }

    private static double decimal(Properties p, String key, double dflt) {
        String v = p.getProperty(key);
        try {
            return v == null ? dflt : Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": '" + v + "' is not a number");
        }
    }

    private static void require(Duration d, String name, boolean zeroOk) {
        if (d == null || d.isNegative() || (!zeroOk && d.isZero())) {
            throw new IllegalArgumentException(name + " must be " + (zeroOk ? ">= 0" : "> 0") + ", got " + d);
        }
    }
}
