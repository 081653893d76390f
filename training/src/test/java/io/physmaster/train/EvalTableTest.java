package io.physmaster.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.physmaster.sim.metrics.MetricScores;
import io.physmaster.sim.metrics.PermanenceScores;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The table and its JSON from hand-made per-scene scores: figures, intervals, changes and their wording. */
class EvalTableTest {

    /** A scene: dropping L2, IoU, one-piece share, falls and hits; the other figures follow from these. */
    static Evaluation.SceneScore scene(double l2, double iou, double onePiece, int falls, int hits) {
        PermanenceScores p = new PermanenceScores(0.1, onePiece, 0.02, 0.05, falls == 0 ? Double.NaN : 0.78,
                falls == 0 ? Double.NaN : 0.05, falls == 0 ? Double.NaN : (double) hits / falls, falls);
        return new Evaluation.SceneScore(new MetricScores(l2, 2 * l2, iou).withPermanence(p),
                new MetricScores(l2 / 2, l2, iou + 0.1));
    }

    /** Reference scenes of one split: L2 spread over scenes, some with falls. */
    static List<Evaluation.SceneScore> reference(int n, double offset) {
        List<Evaluation.SceneScore> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(scene(offset + 0.01 * i, 0.3 + 0.01 * i, 0.6 + 0.02 * (i % 3), i % 3, i % 2 == 0 ? i % 3 : 0));
        }
        return out;
    }

    static Map<String, List<Evaluation.SceneScore>> map(List<Evaluation.SceneScore> seen,
                                                         List<Evaluation.SceneScore> unseen,
                                                         UnaryOperator<Evaluation.SceneScore> f) {
        Map<String, List<Evaluation.SceneScore>> m = new LinkedHashMap<>();
        m.put("seen", seen.stream().map(f).toList());
        m.put("unseen", unseen.stream().map(f).toList());
        return m;
    }

    static EvalTable table() {
        List<Evaluation.SceneScore> seen = reference(12, 0.05);
        List<Evaluation.SceneScore> unseen = reference(12, 0.09);
        Map<String, Map<String, List<Evaluation.SceneScore>>> scores = new LinkedHashMap<>();
        scores.put("stage1", map(seen, unseen, s -> s));
        // 20 % more L2 and lower IoU in every scene, 10 points more frames in one piece: beyond noise.
        scores.put("worse-l2", map(seen, unseen, s -> scene(1.2 * s.dropping().l2(), s.dropping().iou() - 0.05,
                s.dropping().permanence().onePiece() + 0.1, s.dropping().permanence().falls(),
                (int) Math.round(nz(s.dropping().permanence().gravityWithin10()) * s.dropping().permanence().falls()))));
        // L2 up and down by scene, no change on average: no wording.
        int[] k = {0};
        scores.put("noise", map(seen, unseen, s -> scene(s.dropping().l2() + (k[0]++ % 2 == 0 ? 0.01 : -0.01),
                s.dropping().iou(), s.dropping().permanence().onePiece(), s.dropping().permanence().falls(), 0)));
        return EvalTable.assemble(scores, "stage1");
    }

    private static double nz(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    private static double mean(List<Evaluation.SceneScore> s, EvalMetric m) {
        double sum = 0;
        double w = 0;
        for (Evaluation.SceneScore x : s) {
            sum += m.weight(x) * (m.weight(x) > 0 ? m.value(x) : 0);
            w += m.weight(x);
        }
        return sum / w;
    }

    @Test
    void figuresAreMeansWithIntervalsAndAvgAveragesTheSplits() {
        EvalTable t = table();
        assertEquals(3 * 3 * EvalMetric.values().length, t.entries().size());
        List<Evaluation.SceneScore> seen = reference(12, 0.05);
        List<Evaluation.SceneScore> unseen = reference(12, 0.09);
        for (EvalMetric m : EvalMetric.values()) {
            EvalTable.Entry s = t.get("stage1", "seen", m);
            assertEquals(mean(seen, m), s.value().value(), 1e-12, m.key);
            assertTrue(s.value().low() <= s.value().value() && s.value().value() <= s.value().high(), m.key);
            assertEquals((mean(seen, m) + mean(unseen, m)) / 2, t.get("stage1", "avg", m).value().value(), 1e-12);
            assertNull(s.change(), "no change for the reference");
            assertNull(s.verdict());
        }
        assertTrue(t.get("stage1", "seen", EvalMetric.L2).value().low()
                < t.get("stage1", "seen", EvalMetric.L2).value().high(), "L2 spreads over scenes");
        // Gravity is a share of falls: scenes without a fall do not count.
        int falls = seen.stream().mapToInt(s -> s.dropping().permanence().falls()).sum();
        assertEquals(falls, t.get("stage1", "seen", EvalMetric.GRAVITY).n(), 1e-12);
        assertEquals(12, t.get("stage1", "seen", EvalMetric.L2).n(), 1e-12);
    }

    @Test
    void changesAreRelativeOrAbsoluteAndWordedOnlyBeyondNoise() {
        EvalTable t = table();
        EvalTable.Entry l2 = t.get("worse-l2", "seen", EvalMetric.L2);
        assertEquals(0.2, l2.change().value(), 1e-9, "relative: 20 % more L2");
        assertEquals("worse", l2.verdict());
        EvalTable.Entry iou = t.get("worse-l2", "unseen", EvalMetric.IOU);
        assertTrue(iou.change().high() < 0);
        assertEquals("worse", iou.verdict(), "lower IoU is worse");
        EvalTable.Entry piece = t.get("worse-l2", "avg", EvalMetric.ONE_PIECE);
        assertEquals(0.1, piece.change().value(), 1e-9, "absolute: 10 points");
        assertEquals("better", piece.verdict(), "more frames in one piece is better");
        EvalTable.Entry noise = t.get("noise", "seen", EvalMetric.L2);
        assertTrue(noise.change().low() < 0 && noise.change().high() > 0, noise.change().toString());
        assertNull(noise.verdict());

        String md = t.markdown("Title", "Notes");
        String seenChanges = md.substring(md.indexOf("## Seen test scenes"), md.indexOf("## Unseen test scenes"));
        String worseRow = row(seenChanges.substring(seenChanges.indexOf("Against stage1")), "worse-l2");
        assertTrue(cell(worseRow, 1).endsWith(" worse"), worseRow);
        assertTrue(cell(worseRow, 1).startsWith("+20.0 % ["), worseRow);
        assertTrue(cell(worseRow, 4).startsWith("+10.0 pt [") && cell(worseRow, 4).endsWith(" better"), worseRow);
        String noiseRow = row(seenChanges.substring(seenChanges.indexOf("Against stage1")), "noise");
        assertFalse(cell(noiseRow, 1).contains("better") || cell(noiseRow, 1).contains("worse"), noiseRow);
        assertTrue(md.contains("| variant | L2 | CD | IoU | one piece | area change | ghost | colour shift "
                + "| gravity within 10 % | L2 (all) | CD (all) | IoU (all) |"), md);
    }

    private static String row(String section, String variant) {
        return section.lines().filter(l -> l.startsWith("| " + variant + " |")).findFirst().orElseThrow();
    }

    private static String cell(String row, int i) {
        return row.split("\\|")[i + 1].trim();
    }

    @Test
    void jsonHasOneObjectPerVariantSplitAndMetric() throws Exception {
        EvalTable t = table();
        JsonNode rows = new ObjectMapper().readTree(t.json());
        assertEquals(t.entries().size(), rows.size());
        for (JsonNode r : rows) {
            for (String f : List.of("variant", "split", "scope", "metric", "value", "lo", "hi", "diff", "diff_lo",
                    "diff_hi", "diff_kind", "vs", "verdict", "n")) {
                assertTrue(r.has(f), f + " in " + r);
            }
            boolean ref = r.get("variant").asText().equals("stage1");
            assertEquals(ref, r.get("diff").isNull(), r.toString());
            EvalTable.Entry e = t.get(r.get("variant").asText(), r.get("split").asText(),
                    EvalMetric.byKey(r.get("metric").asText()));
            assertEquals(e.value().value(), r.get("value").asDouble(), 1e-12);
            assertEquals(e.value().low(), r.get("lo").asDouble(), 1e-12);
            if (!ref) {
                assertEquals("stage1", r.get("vs").asText());
                assertEquals(e.change().high(), r.get("diff_hi").asDouble(), 1e-12);
                assertEquals(e.metric().relative ? "relative" : "absolute", r.get("diff_kind").asText());
            }
        }
    }

    @Test
    void variantsMustBeScoredOnTheSameScenes() {
        Map<String, Map<String, List<Evaluation.SceneScore>>> scores = new LinkedHashMap<>();
        scores.put("a", map(reference(4, 0.05), reference(4, 0.05), s -> s));
        scores.put("b", map(reference(3, 0.05), reference(4, 0.05), s -> s));
        assertThrows(IllegalArgumentException.class, () -> EvalTable.assemble(scores, "a"));
        assertThrows(IllegalArgumentException.class, () -> EvalTable.assemble(Map.of("a", scores.get("a")), "c"));
    }
}
