package io.physmaster.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.physmaster.model.ModelConfig;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.sample.EulerSampler;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Split;
import io.physmaster.sim.judge.PhysicsJudge;
import io.physmaster.sim.metrics.MetricScores;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The gate's decision on paired per-scene judge scores (lower is better). Scores are made up here: scene-to-scene
 * spread as the shipped model shows on the gate (SD 0.23 around 0.56), and per-scene noise of the change.
 */
class GateTest {

    /** A small model of the proxy task's clip size (16 frames of 32 x 32), so the gate's scenes fit it. */
    private static final ModelConfig SMALL = new ModelConfig(16, 32, 4, 16, 2, 1, 4, 8);

    static final int SCENES = 24;
    /** Two scenes rendered: decide() reads only the scores. */
    final Gate gate = new Gate(2, 8, 0);

    /** A base model's scores. */
    static double[] base(long seed) {
        Random r = new Random(seed);
        double[] s = new double[SCENES];
        for (int i = 0; i < SCENES; i++) {
            s[i] = Math.max(0.05, 0.56 + 0.23 * r.nextGaussian());
        }
        return s;
    }

    /** {@code from} changed by {@code change} (relative) on every scene, with a per-scene relative noise. */
    static double[] changed(double[] from, double change, double noise, long seed) {
        Random r = new Random(seed);
        double[] s = new double[from.length];
        for (int i = 0; i < from.length; i++) {
            s[i] = from[i] * (1 + change + noise * r.nextGaussian());
        }
        return s;
    }

    static Gate.Scores scores(double[] perScene) {
        return new Gate.Scores(perScene, new MetricScores(0.06, 0.1, 0.4));
    }

    @Test
    void samplingInChunksGivesEachSceneTheMetricsOfOneBatch() {
        int count = Gate.SCENES_PER_BATCH + 3; // one full chunk and a partial one
        int steps = 2;
        try (NDManager m = NDManager.newBaseManager()) {
            PhysMasterModel net = Models.create(SMALL, m);
            List<MetricScores> chunked = Gate.evaluation(Gate.FIRST_SCENE, count, steps).metrics(net, m);

            // The same scenes and seeds in a single batch: what the gate computed before it sampled in chunks.
            float[][] firsts = new float[count][];
            long[] seeds = new long[count];
            RenderedClip[] clips = new RenderedClip[count];
            for (int i = 0; i < count; i++) {
                clips[i] = ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, Gate.FIRST_SCENE + i), ClipSpec.MODEL);
                firsts[i] = clips[i].frame(0);
                seeds[i] = 7_000 + i;
            }
            float[][] videos = new EulerSampler(net, m).sample(firsts, seeds, steps, 1f, null);
            PhysicsJudge judge = new PhysicsJudge();

            assertEquals(count, chunked.size());
            for (int i = 0; i < count; i++) {
                MetricScores one = judge.metrics(clips[i], videos[i]);
                assertEquals(one.l2(), chunked.get(i).l2(), 1e-5, "L2 of scene " + i);
                assertEquals(one.cd(), chunked.get(i).cd(), 1e-4, "CD of scene " + i);
                assertEquals(one.iou(), chunked.get(i).iou(), 1e-4, "IoU of scene " + i);
            }
        }
    }

    @Test
    void aNoOpIsNotRolledOut() {
        Gate.Scores anchor = scores(base(1));
        Gate.Verdict v = gate.decide(anchor, anchor, anchor);
        assertFalse(v.pass(), v.reason());
    }

    @Test
    void aClearImprovementIsRolledOutAndAClearRegressionIsNot() {
        Gate.Scores anchor = scores(base(1));
        Gate.Verdict better = gate.decide(scores(changed(anchor.perScene(), -0.08, 0.03, 2)), anchor, anchor);
        assertTrue(better.pass(), better.reason());
        assertTrue(better.vsService().decreased(), "8 % better on 24 scenes is beyond noise: " + better.reason());
        Gate.Verdict worse = gate.decide(scores(changed(anchor.perScene(), 0.08, 0.03, 3)), anchor, anchor);
        assertFalse(worse.pass(), worse.reason());
    }

    @Test
    void smallStepsCannotAddUpToADriftFromTheAnchor() {
        // A version in service that drifted 6 % from the anchor (e.g. gated with a tolerance): a candidate 1 %
        // better than it is still 5 % worse than the anchor, beyond noise.
        Gate lenient = new Gate(2, 8, 0.02);
        Gate.Scores anchor = scores(base(1));
        Gate.Scores drifted = scores(changed(anchor.perScene(), 0.06, 0.0, 4));
        Gate.Scores candidate = scores(changed(drifted.perScene(), -0.01, 0.01, 5));
        Gate.Verdict v = lenient.decide(candidate, drifted, anchor);
        assertTrue(v.vsAnchor().increased(), v.reason());
        assertFalse(v.pass(), "worse than the anchor beyond noise: " + v.reason());
        // The same step from an undrifted version passes under the tolerance.
        Gate.Verdict fine = lenient.decide(scores(changed(anchor.perScene(), 0.01, 0.01, 5)), anchor, anchor);
        assertTrue(fine.pass(), fine.reason());
    }

    @Test
    void scoresOfDifferentScenesCannotBePaired() {
        Gate.Scores anchor = scores(base(1));
        Gate.Scores shorter = scores(java.util.Arrays.copyOf(base(2), SCENES - 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> gate.decide(shorter, anchor, anchor));
        assertTrue(e.getMessage().contains("scenes"), e.getMessage());
    }
}
