package io.physmaster.annotate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.schemas.DeadLetter;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.topics.DeadLetters;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DashboardModelTest {

    private static EncoderVersion bare(String id) {
        return EncoderVersion.newBuilder().setVersion(id).setCheckpointUri("file:/c").setSha256("0")
                .setCreatedAt(Instant.ofEpochMilli(1000)).build();
    }

    private static GeneratedVideo video(String request, int sample, long createdAt, boolean raw) {
        return GeneratedVideo.newBuilder().setRequestId(request).setSampleIndex(sample).setSeed(0).setVideoUri("file:/v")
                .setFormat("mp4").setFrames(16).setWidth(32).setHeight(32).setSha256("0").setEncoderVersion("e")
                .setModelVersion("m").setLatencyMs(5).setRawUri(raw ? "file:/r" : null)
                .setCreatedAt(Instant.ofEpochMilli(createdAt)).build();
    }

    private static DeadLetter letter(String component, String reason, long time) {
        return DeadLetters.of(component, "t", 0, 0, "k", null, reason, "E", Instant.ofEpochMilli(time));
    }

    @Test
    void reasonPrefixKeepsWhatARejectionSaysBeforeItsParticulars() {
        assertEquals("gave up after # attempts", DashboardModel.reasonPrefix("gave up after 3 attempts: x"));
        assertEquals(DashboardModel.reasonPrefix("gave up after 12 attempts; y"),
                DashboardModel.reasonPrefix("gave up after 3 attempts: x"));
        assertEquals("late", DashboardModel.reasonPrefix("late: the window [a, b) closed"));
        assertEquals("frames must be at most", DashboardModel.reasonPrefix("frames must be at most 16 for the model"));
        assertEquals("processing failed", DashboardModel.reasonPrefix("processing failed (IOException)"));
        assertEquals("no reason given", DashboardModel.reasonPrefix(" "));
        assertEquals("worker", DashboardModel.component("worker/worker-7"));
        assertEquals("stream-processors", DashboardModel.component("stream-processors"));
        assertEquals("unknown", DashboardModel.component(null));
    }

    @Test
    void keepsOnlyTheNewestOfEachKindButCountsEveryDeadLetter() {
        DashboardModel m = new DashboardModel(3, 2, 2);
        for (int i = 0; i < 5; i++) {
            m.version(bare("v" + i), i);
            m.video(video("r" + i, 0, 100 + i, i % 2 == 0));
            m.deadLetter(letter("worker/w-" + i, "gave up after " + i + " attempts: x", 10 + i));
        }
        assertEquals(List.of("v4", "v3", "v2"), m.versions(10).stream().map(DashboardModel.VersionView::version).toList());
        assertEquals(List.of("v4"), m.versions(1).stream().map(DashboardModel.VersionView::version).toList());
        List<DashboardModel.VideoView> videos = m.videos(10);
        assertEquals(List.of("r4", "r3"), videos.stream().map(DashboardModel.VideoView::requestId).toList());
        assertEquals("/media/r4/0.gif", videos.get(0).gif());
        assertNull(videos.get(1).gif(), "without exact frames the media route has nothing to play");
        DashboardModel.DeadLetters d = m.deadLetters(10);
        assertEquals(5, d.total());
        assertEquals(List.of(new DashboardModel.ReasonCount("worker", "gave up after # attempts", 5, 14)), d.byReason());
        assertEquals(List.of(14L, 13L), d.newest().stream().map(DashboardModel.LetterView::time).toList());
        assertEquals("worker/w-4", d.newest().get(0).component());
    }

    @Test
    void distinctReasonsAreBoundedTheRestCountAsOther() {
        DashboardModel m = new DashboardModel(1, 1, 1);
        int n = DashboardModel.MAX_REASONS + 7;
        for (int i = 0; i < n; i++) {
            m.deadLetter(letter("c" + i, "reason", i));
        }
        DashboardModel.DeadLetters d = m.deadLetters(1);
        assertEquals(DashboardModel.MAX_REASONS + 1, d.byReason().size());
        assertEquals(7, d.byReason().get(0).count());
        assertEquals("other", d.byReason().get(0).component());
        assertEquals(n, d.byReason().stream().mapToLong(DashboardModel.ReasonCount::count).sum());
    }

    @Test
    void curvePrefersTheFigureAgainstTheAnchorWithItsInterval() {
        DashboardModel m = new DashboardModel(10, 1, 1);
        m.version(bare("stage1"), 0);
        m.version(DashboardRecords.version("a", "stage1", -0.01, -0.03, 0.01, 0.5), 1);
        m.version(DashboardRecords.version("b", "a", -0.02, -0.04, -0.001, 0.48), 2);
        DashboardModel.Curve c = m.curve(null);
        assertEquals("change_vs_anchor", c.figure());
        assertTrue(c.interval());
        assertNull(c.note());
        assertEquals(List.of("change_vs_anchor"), c.intervalFigures());
        assertEquals(List.of("candidate_score", "change_vs_anchor", "gate_scenes"), c.figures());
        assertEquals(List.of(new DashboardModel.CurvePoint(2, "a", c.points().get(0).createdAt(), -0.01, -0.03, 0.01),
                new DashboardModel.CurvePoint(3, "b", c.points().get(1).createdAt(), -0.02, -0.04, -0.001)), c.points());
        DashboardModel.Curve score = m.curve("candidate_score");
        assertFalse(score.interval());
        assertEquals("the records carry no interval for candidate_score", score.note());
        assertEquals(List.of(0.5, 0.48), score.points().stream().map(DashboardModel.CurvePoint::value).toList());
        assertNull(m.curve("change_vs_anchor_low"), "an interval bound is not a figure of its own");
        assertNull(m.curve("nothing"));
        // A republished version is the newest in service: it moves to the end of the curve.
        m.version(DashboardRecords.version("a", "stage1", -0.01, -0.03, 0.01, 0.5), 3);
        assertEquals(List.of("b", "a"), m.curve(null).points().stream().map(DashboardModel.CurvePoint::version).toList());
    }

    @Test
    void withoutHeldOutFiguresTheCurveSaysSoAndShowsTheVersionsAlone() {
        DashboardModel m = new DashboardModel(10, 1, 1);
        m.version(bare("stage1"), 0);
        m.version(bare("online-0001"), 1);
        DashboardModel.Curve c = m.curve(null);
        assertNull(c.figure());
        assertEquals(DashboardModel.NO_FIGURES, c.note());
        assertEquals(List.of("stage1", "online-0001"),
                c.points().stream().map(DashboardModel.CurvePoint::version).toList());
        assertTrue(c.points().stream().allMatch(p -> p.value() == null));
    }

    @Test
    void nonFiniteFiguresBecomeNullSoTheJsonStaysValid() {
        DashboardModel m = new DashboardModel(10, 1, 1);
        Map<String, Double> f = new HashMap<>(Map.of("l2", Double.NaN, "cd", 0.5));
        m.version(EncoderVersion.newBuilder(bare("v")).setEvaluationFigures(f).build(), 0);
        Map<String, Double> shown = m.versions(1).get(0).evaluationFigures();
        assertTrue(shown.containsKey("l2"));
        assertNull(shown.get("l2"));
        assertEquals(0.5, shown.get("cd"));
    }

    @Test
    void settingsRefuseBadRolesGroupsAndIntervals() {
        DashboardSettings d = DashboardSettings.defaults();
        assertEquals(List.of("worker", "streams", "trainer", "judge"), List.copyOf(d.groups().keySet()));
        assertEquals("demo-judge", d.withGroup("judge", "demo-judge").groups().get("judge"));
        assertEquals(5, d.withGroup("extra", "g").groups().size());
        assertThrows(IllegalArgumentException.class, () -> d.withGroup("Bad Role", "g"));
        assertThrows(IllegalArgumentException.class, () -> d.withGroup("judge", "has space"));
        assertThrows(IllegalArgumentException.class, () -> d.withLagInterval(Duration.ofMillis(10)));
        assertFalse(d.disabled().enabled());
    }
}
