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
import io.physmaster.sim.metrics.PairedBootstrap;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides on held-out scenes whether a candidate encoder may replace the one in service. Every model generates
 * one video per scene with the same seeds and the physics judge scores each against the simulator (lower is
 * better), so scores pair up scene by scene. The candidate passes when
 * <ul>
 *   <li>its mean score is below the version in service's (a no-op does not pass), and</li>
 *   <li>it is not worse than the version in service beyond noise (paired bootstrap, 95 %), and</li>
 *   <li>it is not worse than the anchor (the base model) beyond noise, so that changes each within noise cannot
 *       add up to a drift away from where the loop started.</li>
 * </ul>
 * A tolerance relaxes all three by that relative change (0 by default).
 * The gate's scenes are its own: seen-test scenes from {@link #FIRST_SCENE} on, disjoint from the reports'.
 */
public final class Gate {

    /** First seen-test scene of the gate; reports and benchmarks use scenes below 200,000. */
    public static final long FIRST_SCENE = 300_000;
    /**
     * Most scenes sampled together (the worker's default batch): a step's activations grow with the batch and the
     * gate runs beside the worker; each sample depends only on its own first frame and seed, so chunks change no result.
     */
    static final int SCENES_PER_BATCH = 8;

    /** One model's judge scores on the gate's scenes, with their mean metrics. */
    public record Scores(double[] perScene, MetricScores mean) {
        double meanScore() {
            double s = 0;
            for (double v : perScene) {
                s += v;
            }
            return s / perScene.length;
        }
    }

    /** The verdict and the figures behind it. */
    public record Verdict(boolean pass, Scores candidate, PairedBootstrap.Interval vsService,
                          PairedBootstrap.Interval vsAnchor, String reason) {
    }

    private final List<RenderedClip> scenes = new ArrayList<>();
    private final int steps;
    private final double tolerance;

    /** The gate: {@code count} scenes from {@link #FIRST_SCENE}. */
    public Gate(int count, int steps, double tolerance) {
        this(FIRST_SCENE, count, steps, tolerance);
    }

    /** Scores only (an evaluation): {@code count} seen-test scenes from {@code first}. */
    public static Gate evaluation(long first, int count, int steps) {
        return new Gate(first, count, steps, 0);
    }

    private Gate(long first, int count, int steps, double tolerance) {
        if (count < 2) {
            throw new IllegalArgumentException("a paired comparison needs at least 2 scenes, got " + count);
        }
        for (int i = 0; i < count; i++) {
            scenes.add(ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, first + i), ClipSpec.MODEL));
        }
        this.steps = steps;
        this.tolerance = tolerance;
    }

    public Verdict decide(Scores candidate, Scores inService, Scores anchor) {
        PairedBootstrap.Interval vsService = PairedBootstrap.relativeChange(inService.perScene(), candidate.perScene(), 1);
        PairedBootstrap.Interval vsAnchor = PairedBootstrap.relativeChange(anchor.perScene(), candidate.perScene(), 2);
        boolean pass = vsService.change() < tolerance && vsService.low() <= tolerance && vsAnchor.low() <= tolerance;
        String reason = String.format(java.util.Locale.ROOT,
                "judge score %.4f vs %.4f in service: %s; vs anchor: %s (%d scenes)", candidate.meanScore(),
                inService.meanScore(), vsService, vsAnchor, candidate.perScene().length);
        return new Verdict(pass, candidate, vsService, vsAnchor, reason);
    }

    /** The model's judge scores on the gate's scenes. */
    public Scores score(PhysMasterModel model, NDManager manager) {
        return scores(metrics(model, manager));
    }

    private static Scores scores(List<MetricScores> metrics) {
        return new Scores(metrics.stream().mapToDouble(PhysicsJudge::score).toArray(), MetricScores.mean(metrics));
    }

    /**
     * Each scene's metrics, in scene order (so two models' lists pair up scene by scene), sampled
     * {@link #SCENES_PER_BATCH} scenes at a time: one batch of every scene holds all their activations at once.
     */
    public List<MetricScores> metrics(PhysMasterModel model, NDManager manager) {
        List<MetricScores> all = new ArrayList<>();
        for (int from = 0; from < scenes.size(); from += SCENES_PER_BATCH) {
            all.addAll(metrics(model, manager, from, Math.min(scenes.size(), from + SCENES_PER_BATCH)));
        }
        return all;
    }

    /** The metrics of scenes [from, to): each scene has its own seed, so a scene scores alike in any chunk. */
    private List<MetricScores> metrics(PhysMasterModel model, NDManager manager, int from, int to) {
        EulerSampler sampler = new EulerSampler(model, manager);
        float[][] firsts = new float[to - from][];
        long[] seeds = new long[to - from];
        for (int i = from; i < to; i++) {
            firsts[i - from] = scenes.get(i).frame(0);
            seeds[i - from] = 7_000 + i;
        }
        float[][] videos = sampler.sample(firsts, seeds, steps, 1f, null);
        PhysicsJudge judge = new PhysicsJudge();
        List<MetricScores> all = new ArrayList<>();
        for (int i = from; i < to; i++) {
            all.add(judge.metrics(scenes.get(i), videos[i - from]));
        }
        return all;
    }

    /** A scoring of the model that goes a few scenes at a time, so the caller can stop in between. */
    public Scoring scoring(PhysMasterModel model) {
        return new Scoring(model);
    }

    /** A model's scores on the gate, scene chunk by scene chunk; the model must not change meanwhile. */
    public final class Scoring {
        private final PhysMasterModel model;
        private final List<MetricScores> done = new ArrayList<>();

        private Scoring(PhysMasterModel model) {
            this.model = model;
        }

        /** Scores up to {@code n} more scenes; true when every scene is scored. */
        public boolean scoreSome(NDManager manager, int n) {
            int from = done.size();
            done.addAll(metrics(model, manager, from, Math.min(scenes.size(), from + n)));
            return complete();
        }

        public boolean complete() {
            return done.size() == scenes.size();
        }

        public Scores scores() {
            if (!complete()) {
                throw new IllegalStateException(done.size() + " of " + scenes.size() + " gate scenes scored");
            }
            return Gate.scores(done);
        }
    }

    public int scenes() {
        return scenes.size();
    }
}
