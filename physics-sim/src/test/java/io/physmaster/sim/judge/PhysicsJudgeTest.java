package io.physmaster.sim.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Split;
import java.util.List;
import org.junit.jupiter.api.Test;

class PhysicsJudgeTest {

    static float[] frozen(RenderedClip c) {
        return c.frozenVideo();
    }

    @Test
    void prefersTheTrueMotionOverAFrozenVideo() {
        RenderedClip truth = ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, 2), ClipSpec.MODEL);
        PhysicsJudge judge = new PhysicsJudge();
        var verdict = judge.judge(truth, List.of(frozen(truth), truth.video())).orElseThrow();
        assertEquals(1, verdict.preferred());
        assertEquals(0, verdict.rejected());
        assertTrue(verdict.margin() > 0.01 && verdict.confidence() > 0.5 && verdict.confidence() <= 1);
        // Unmixing recovers the exact masks of a clean render: the truth scores perfectly.
        assertEquals(0, judge.metrics(truth, truth.video()).l2(), 1e-3);
        assertEquals(1, judge.metrics(truth, truth.video()).iou(), 0.02);
    }

    /** Frames after the first moved {@code dx} pixels right (the column let in is background). */
    static float[] shifted(RenderedClip c, int dx) {
        float[] v = c.video().clone();
        int h = c.height();
        int w = c.width();
        for (int t = 1; t < c.frames(); t++) {
            for (int ch = 0; ch < 3; ch++) {
                int base = (t * 3 + ch) * h * w;
                float bg = io.physmaster.sim.Renderer.BACKGROUND.getRGBColorComponents(null)[ch];
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        v[base + y * w + x] = x >= dx ? c.video()[base + y * w + x - dx] : bg;
                    }
                }
            }
        }
        return v;
    }

    @Test
    void ranksThreeCandidatesAndMeasuresAKnownShift() {
        RenderedClip truth = ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, 0), ClipSpec.MODEL);
        PhysicsJudge judge = new PhysicsJudge();
        // A 2 px shift: PISA L2 = (2 + 0) / 2 / sqrt(2) / 32 per frame while the object stays in view.
        assertEquals(1 / Math.sqrt(2) / 32, judge.metrics(truth, shifted(truth, 2)).l2(), 0.003);
        var v = judge.judge(truth, List.of(shifted(truth, 2), frozen(truth), truth.video())).orElseThrow();
        assertEquals(2, v.preferred());
        assertEquals(1, v.rejected());
        assertTrue(v.scores()[2] < v.scores()[0] && v.scores()[0] < v.scores()[1], java.util.Arrays.toString(v.scores()));
    }

    @Test
    void noPreferenceWhenCandidatesAreAlike() {
        RenderedClip truth = ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, 4), ClipSpec.MODEL);
        assertTrue(new PhysicsJudge().judge(truth, List.of(truth.video(), truth.video().clone())).isEmpty());
    }

    @Test
    void refusesTooFewOrMisshapenCandidates() {
        RenderedClip truth = ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, 4), ClipSpec.MODEL);
        assertThrows(IllegalArgumentException.class, () -> new PhysicsJudge().judge(truth, List.of(truth.video())));
        assertThrows(IllegalArgumentException.class,
                () -> new PhysicsJudge().judge(truth, List.of(truth.video(), new float[3])));
    }
}
