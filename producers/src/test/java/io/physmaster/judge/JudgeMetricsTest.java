package io.physmaster.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.role.MetricsEndpoint;
import io.physmaster.role.MetricsScrape;
import org.junit.jupiter.api.Test;

/** The judge's meters as Prometheus scrapes them from the role's endpoint. */
class JudgeMetricsTest {

    @Test
    void judgedVideosPreferencesMarginsAndSkipsAreServed() throws Exception {
        try (MetricsEndpoint endpoint = MetricsEndpoint.start("judge", MetricsEndpoint.DEFAULT_HOST, 0)) {
            JudgeMetrics m = new JudgeMetrics(endpoint.registry());
            m.judged(2);
            m.judged(2);
            m.judged(3);
            m.preference(0.1);
            m.preference(0.3);
            m.skipped(JudgeMetrics.NO_SCENE);

            String text = MetricsScrape.get(endpoint.port());
            assertEquals(3.0, MetricsScrape.sum(text, "physmaster_judge_requests_judged_total", "role=\"judge\""));
            assertEquals(7.0, MetricsScrape.sum(text, "physmaster_judge_videos_judged_total"));
            assertEquals(2.0, MetricsScrape.sum(text, "physmaster_judge_preferences_total"));
            assertEquals(2.0, MetricsScrape.sum(text, "physmaster_judge_margin_count"));
            assertEquals(0.4, MetricsScrape.sum(text, "physmaster_judge_margin_sum"), 1e-9);
            assertEquals(0.3, MetricsScrape.sum(text, "physmaster_judge_margin_max"), 1e-9);
            double median = MetricsScrape.sum(text, "physmaster_judge_margin", "quantile=\"0.5\"");
            assertTrue(median >= 0.09 && median <= 0.31, "median margin " + median);
            assertEquals(1.0, MetricsScrape.sum(text, "physmaster_judge_skipped_total", "reason=\"no_scene\""));
            assertEquals(0.0, MetricsScrape.sum(text, "physmaster_judge_skipped_total", "reason=\"failed\""),
                    "every reason is listed from the start");
            assertFalse(MetricsScrape.values(text, "jvm_memory_used_bytes", "role=\"judge\"").isEmpty());
        }
    }
}
