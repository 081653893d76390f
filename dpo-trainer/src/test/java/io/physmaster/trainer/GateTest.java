package io.physmaster.trainer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.sim.metrics.MetricScores;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The gate's decision on paired per-scene judge scores (lower is better). Scores are made up here: scene-to-scene
 * spread as the shipped model shows on the gate (SD 0.23 around 0.56), and per-scene noise of the change.
 */
class GateTest {

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
