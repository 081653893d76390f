package io.physmaster.trainer;

import ai.djl.ndarray.NDManager;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.sample.EulerSampler;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Split;
import io.physmaster.sim.judge.PhysicsJudge;
import io.physmaster.sim.metrics.MetricScores;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides on held-out scenes whether a candidate encoder is better than the current one: both generate one
 * video per scene with the same seeds, the physics judge scores them against the simulator (L2 + CD +
 * (1 - IoU)/4, lower is better), and the candidate passes if its mean score is at most current * (1 + tolerance).
 */
public final class Gate {

    /** The verdict and the figures behind it. */
    public record Verdict(boolean pass, double candidateScore, double currentScore, MetricScores candidate,
                          MetricScores current, String reason) {
    }

    private final List<RenderedClip> scenes = new ArrayList<>();
    private final double tolerance;
    private final int steps;

    public Gate(int sceneCount, double tolerance, int steps) {
        for (int i = 0; i < sceneCount; i++) {
            // Held out: seen-test scenes from the far end of the index range, never used for preferences here.
            scenes.add(ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, 100_000 + i), ClipSpec.MODEL));
        }
        this.tolerance = tolerance;
        this.steps = steps;
    }

    /** The verdict from the two scores (the current version's score does not change: same scenes, seeds). */
    public Verdict decide(MetricScores candidate, MetricScores current) {
        double cs = PhysicsJudge.score(candidate);
        double rs = PhysicsJudge.score(current);
        boolean pass = cs <= rs * (1 + tolerance);
        String reason = String.format("candidate score %.4f vs current %.4f (tolerance %.0f%%)", cs, rs, tolerance * 100);
        return new Verdict(pass, cs, rs, candidate, current, reason);
    }

    /** The mean scores over the gate's scenes. */
    public MetricScores score(PhysMasterModel model, NDManager manager) {
        return MetricScores.mean(scores(model, manager));
    }

    /** Each scene's scores, in scene order (so two models' lists pair up scene by scene). */
    public List<MetricScores> scores(PhysMasterModel model, NDManager manager) {
        EulerSampler sampler = new EulerSampler(model, manager);
        float[][] firsts = new float[scenes.size()][];
        long[] seeds = new long[scenes.size()];
        for (int i = 0; i < scenes.size(); i++) {
            firsts[i] = scenes.get(i).frame(0);
            seeds[i] = 7_000 + i;
        }
        float[][] videos = sampler.sample(firsts, seeds, steps, 1f, null);
        PhysicsJudge judge = new PhysicsJudge();
        List<MetricScores> all = new ArrayList<>();
        for (int i = 0; i < scenes.size(); i++) {
            all.add(judge.metrics(scenes.get(i), videos[i]));
        }
        return all;
    }
}
