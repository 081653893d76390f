package io.physmaster.judge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The physics judge's meters (Prometheus names): requests and videos judged, preferences emitted, the score
 * margins of those preferences (a summary with median and 90th percentile), and requests skipped by reason.
 */
public final class JudgeMetrics {

    /** Default port of the judge's endpoint. */
    public static final int DEFAULT_PORT = 9403;

    /** Skip reasons: no scene id or raw video (not a proxy-task request), an undecodable record, a failed judging. */
    static final String NO_SCENE = "no_scene";
    static final String UNREADABLE = "unreadable";
    static final String FAILED = "failed";

    private final MeterRegistry registry;
    private final Counter requests;
    private final Counter videos;
    private final Counter preferences;
    private final DistributionSummary margins;

    public JudgeMetrics(MeterRegistry registry) {
        this.registry = registry;
        requests = Counter.builder("physmaster_judge_requests_judged")
                .description("Requests whose videos were scored against the simulator").register(registry);
        videos = Counter.builder("physmaster_judge_videos_judged").description("Videos scored against the simulator")
                .register(registry);
        preferences = Counter.builder("physmaster_judge_preferences")
                .description("JUDGE preference events published (margin at least the minimum)").register(registry);
        margins = DistributionSummary.builder("physmaster_judge_margin")
                .description("Score margin between the preferred and the rejected video of each preference")
                .publishPercentiles(0.5, 0.9).register(registry);
        for (String reason : new String[] {NO_SCENE, UNREADABLE, FAILED}) {
            skippedCounter(reason);
        }
    }

    /** Meters nobody reads (the constructor without a registry). */
    static JudgeMetrics unserved() {
        return new JudgeMetrics(new SimpleMeterRegistry());
    }

    void judged(int videoCount) {
        requests.increment();
        videos.increment(videoCount);
    }

    void preference(double margin) {
        preferences.increment();
        margins.record(margin);
    }

    void skipped(String reason) {
        skippedCounter(reason).increment();
    }

    private Counter skippedCounter(String reason) {
        return Counter.builder("physmaster_judge_skipped").tag("reason", reason)
                .description("Videos or requests not judged, by reason").register(registry);
    }
}
