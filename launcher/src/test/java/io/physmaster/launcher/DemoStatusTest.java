package io.physmaster.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.console.Progress;
import io.physmaster.schemas.EncoderVersion;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The demo's console while its loop runs, on a fake clock: what a person reading a log file would see. */
class DemoStatusTest {

    private static final long S = 1_000_000_000L;

    private long now;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final List<EncoderVersion> published = new ArrayList<>();
    private int asked;

    private DemoStatus status(Duration limit, int pairs) {
        return new DemoStatus(Progress.builder("[demo] loop").mode(Progress.Mode.PLAIN)
                .out(new PrintStream(bytes, true, StandardCharsets.UTF_8)).every(DemoStatus.every(limit)).step(0),
                limit, pairs, 0, () -> now);
    }

    private List<String> lines() {
        return Arrays.stream(bytes.toString(StandardCharsets.UTF_8).split("\n")).filter(l -> !l.isEmpty()).toList();
    }

    private static EncoderVersion version(String id, String parent, Map<String, Double> evaluation) {
        return EncoderVersion.newBuilder().setVersion(id).setParent(parent).setCheckpointUri("file:///v/" + id)
                .setSha256("00").setCreatedAt(Instant.EPOCH).setTrainingFigures(Map.of("replay_pairs", 51.0))
                .setEvaluationFigures(evaluation).build();
    }

    private void tick(DemoStatus s, int seconds, DemoStatus.Counts c) {
        for (int i = 0; i < seconds * 5; i++) { // the demo's loop updates every 200 ms
            now += S / 5;
            s.update(c, () -> {
                asked++;
                return published;
            });
        }
    }

    @Test
    void aTwelveMinuteLoopPrintsAFewLinesAndOneLinePerVersion() {
        DemoStatus s = status(Duration.ofMinutes(12), 1000);
        tick(s, 300, new DemoStatus.Counts(80, 150, 60, 3, 0));
        published.add(version("online-0001-wab", "stage1", Map.of("change_vs_anchor", -0.023,
                "change_vs_anchor_low", -0.051, "change_vs_anchor_high", 0.003, "gate_scenes", 24.0)));
        tick(s, 420, new DemoStatus.Counts(180, 350, 140, 7, 1));
        s.done(new DemoStatus.Counts(187, 375, 174, 8, 1), () -> published, 32);

        List<String> lines = lines();
        // 12 minutes: a status line a minute, the version's line and the last line
        assertEquals(14, lines.size(), String.join("\n", lines));
        assertEquals(1, asked, "the versions topic is read only when the count of versions changes");
        assertTrue(lines.contains("[demo] encoder online-0001-wab published (51 pairs): judge score vs base "
                + "-2.3 % [-5.1, +0.3] (24 held-out scenes)"), String.join("\n", lines));
        String last = lines.get(lines.size() - 2);
        assertTrue(last.startsWith("[demo] loop [####################] (100 %)  180 requests, 350 videos, 140 "
                + "preferences, 7 batches, 1 versions, newest: judge -2.3 % [-5.1, +0.3] vs base  12m00s"), last);
        assertEquals("[demo] loop done in 12m00s  187 requests, 375 videos, 174 preferences, 8 batches, 1 versions; "
                + "evaluating each version on 32 held-out scenes ...", lines.get(lines.size() - 1));
    }

    @Test
    void theEstimateFollowsWhicheverStopComesFirst() {
        DemoStatus s = status(Duration.ofMinutes(60), 100);
        assertEquals(0.5, s.fraction(new DemoStatus.Counts(0, 0, 50, 0, 0), 0), 1e-9); // pairs: half way
        now = 45 * 60 * S;
        assertEquals(0.75, s.fraction(new DemoStatus.Counts(0, 0, 50, 0, 0), now), 1e-9); // time: further
    }

    @Test
    void aLongRunStillPrintsAboutFifteenLines() {
        assertEquals(Duration.ofMinutes(1), DemoStatus.every(Duration.ofMinutes(12)));
        assertEquals(Duration.ofMinutes(8), DemoStatus.every(Duration.ofHours(2)));
    }

    @Test
    void aVersionWithoutGateFiguresIsStillNamed() {
        assertEquals("encoder online-0002-wcd published (51 pairs)",
                DemoStatus.describe(version("online-0002-wcd", "online-0001-wab", Map.of())));
    }
}
