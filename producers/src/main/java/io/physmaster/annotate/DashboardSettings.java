package io.physmaster.annotate;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The live dashboard served next to the annotator page.
 *
 * @param enabled         serve it (on by default)
 * @param groups          role to the consumer group (the Streams app's application id for Streams) whose lag
 *                        and throughput it shows, in display order
 * @param lagInterval     how often the Admin client samples committed and end offsets
 * @param keepVersions    newest encoder versions kept in memory
 * @param keepVideos      newest generated videos kept in memory
 * @param keepDeadLetters newest dead letters kept in memory (counts by reason cover all of them)
 */
public record DashboardSettings(boolean enabled, Map<String, String> groups, Duration lagInterval,
                                int keepVersions, int keepVideos, int keepDeadLetters) {

    /**
     * The roles' own default groups (WorkerSettings, PreferenceBatchTopology.APP_ID, DpoTrainer.GROUP, the
     * judge's --group), repeated here because producers does not depend on those modules.
     */
    public static final Map<String, String> DEFAULT_GROUPS = ordered("worker", "physmaster-workers",
            "streams", "physmaster-preference-batcher", "trainer", "physmaster-dpo-trainer",
            "judge", "physmaster-judge");
    private static final Pattern ROLE = Pattern.compile("[a-z0-9-]{1,32}");
    // Kafka's own rule for group ids is loose; this keeps them printable and short.
    private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9._-]{1,200}");

    public DashboardSettings {
        if (lagInterval == null || lagInterval.toMillis() < 100) {
            throw new IllegalArgumentException("the dashboard's lag interval must be at least 100 ms");
        }
        if (keepVersions < 1 || keepVideos < 1 || keepDeadLetters < 1) {
            throw new IllegalArgumentException("the dashboard keeps at least one record of each kind");
        }
        Map<String, String> copy = new LinkedHashMap<>();
        groups.forEach((role, group) -> {
            if (role == null || !ROLE.matcher(role).matches()) {
                throw new IllegalArgumentException("a dashboard role is 1-32 of a-z, 0-9 and -");
            }
            if (group == null || !GROUP.matcher(group).matches()) {
                throw new IllegalArgumentException("the consumer group of role " + role
                        + " may only use letters, digits and . _ - (1-200 characters)");
            }
            copy.put(role, group);
        });
        groups = Collections.unmodifiableMap(copy);
    }

    private static Map<String, String> ordered(String... roleGroup) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < roleGroup.length; i += 2) {
            m.put(roleGroup[i], roleGroup[i + 1]);
        }
        return Collections.unmodifiableMap(m);
    }

    public static DashboardSettings defaults() {
        return new DashboardSettings(true, DEFAULT_GROUPS, Duration.ofSeconds(3), 500, 12, 50);
    }

    public DashboardSettings disabled() {
        return new DashboardSettings(false, groups, lagInterval, keepVersions, keepVideos, keepDeadLetters);
    }

    /** These settings with {@code role} watching {@code group} (added at the end when the role is new). */
    public DashboardSettings withGroup(String role, String group) {
        Map<String, String> g = new LinkedHashMap<>(groups);
        g.put(role, group);
        return new DashboardSettings(enabled, g, lagInterval, keepVersions, keepVideos, keepDeadLetters);
    }

    public DashboardSettings withLagInterval(Duration interval) {
        return new DashboardSettings(enabled, groups, interval, keepVersions, keepVideos, keepDeadLetters);
    }
}
