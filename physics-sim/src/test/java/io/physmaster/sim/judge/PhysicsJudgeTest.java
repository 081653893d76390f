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

    /** The clip with frames after the first replaced by the first frame: nothing moves (unphysical). */
    static float[] frozen(RenderedClip c) {
        float[] v = c.video().clone();
        int f = 3 * c.height() * c.width();
        for (int t = 1; t < c.frames(); t++) {
            System.arraycopy(c.video(), 0, v, t * f, f);
        }
        return v;
    }

    @Test
    void prefersTheTrueMotionOverAFrozenVideo() {
        RenderedClip truth = ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, 2), ClipSpec.MODEL);
        PhysicsJudge judge = new PhysicsJudge();
        var verdict = judge.judge(truth, List.of(frozen(truth), truth.video())).orElseThrow();
        assertEquals(1, verdict.preferred());
        assertEquals(0, verdict.rejected());
        assertTrue(verdict.margin() > 0.01 && verdict.confidence() > 0.5 && verdict.confidence() <= 1);
        // Only anti-aliased edge pixels separate the segmented truth from its exact masks.
        assertEquals(0, judge.metrics(truth, truth.video()).l2(), 0.01);
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
