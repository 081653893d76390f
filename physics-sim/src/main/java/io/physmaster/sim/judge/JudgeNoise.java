package io.physmaster.sim.judge;

import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Split;
import io.physmaster.sim.metrics.MetricScores;
import io.physmaster.sim.metrics.Perturbation;
import java.util.Arrays;
import java.util.List;

/**
 * Measures the judge's noise: how much its score of one and the same motion moves when the video is rendered
 * again with other blur and noise. Per scene, the truth is perturbed twice and both copies are scored; the
 * spread of the score difference over scenes is the scale below which a margin says nothing. Two pairings:
 * <pre>
 *   seeds   blur 0.5, sigma 0.03 (the segmenter's test perturbation) with two noise seeds
 *   levels  blur 0.3, sigma 0.02 against blur 0.7, sigma 0.04 (and other seeds)
 * </pre>
 * Run: {@code java -cp "physics-sim/target/classes:$(cat physics-sim/target/classpath.txt)"
 * io.physmaster.sim.judge.JudgeNoise [scenes per split, default 64]}.
 */
public final class JudgeNoise {

    /**
     * Spread of the score difference: root mean square and 90th percentile of |difference|, for the judge's
     * score and for its PISA terms alone (the v1 score), to show what the permanence terms add.
     */
    public record Spread(double rms, double p90, double pisaRms, int scenes) {
    }

    /**
     * Score differences between two perturbations (blur share, sigma) of each of the first {@code scenes}
     * scenes of each split.
     */
    public static Spread measure(int scenes, List<Split> splits, double blurA, double sigmaA, double blurB,
                                 double sigmaB) {
        if (scenes < 1) {
            throw new IllegalArgumentException("scenes must be >= 1, got " + scenes);
        }
        PhysicsJudge judge = new PhysicsJudge();
        double[] diffs = new double[scenes * splits.size()];
        double pisaSq = 0;
        int k = 0;
        for (Split split : splits) {
            for (int i = 0; i < scenes; i++) {
                RenderedClip c = ProxyTask.render(ProxyTask.scene(split, i), ClipSpec.MODEL);
                float[] a = Perturbation.blurAndNoise(c.video(), c.frames(), c.height(), c.width(), blurA, sigmaA,
                        2L * i);
                float[] b = Perturbation.blurAndNoise(c.video(), c.frames(), c.height(), c.width(), blurB, sigmaB,
                        2L * i + 1);
                MetricScores ma = judge.metrics(c, a);
                MetricScores mb = judge.metrics(c, b);
                diffs[k++] = Math.abs(PhysicsJudge.score(ma) - PhysicsJudge.score(mb));
                pisaSq += sq(PhysicsJudge.score(ma.withPermanence(null)) - PhysicsJudge.score(mb.withPermanence(null)));
            }
        }
        double total = 0;
        for (double d : diffs) {
            total += sq(d);
        }
        Arrays.sort(diffs);
        return new Spread(Math.sqrt(total / diffs.length), diffs[(int) Math.floor(0.9 * (diffs.length - 1))],
                Math.sqrt(pisaSq / diffs.length), diffs.length);
    }

    private static double sq(double v) {
        return v * v;
    }

    public static void main(String[] args) {
        int scenes;
        try {
            scenes = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        } catch (NumberFormatException e) {
            scenes = 0;
        }
        if (scenes < 1 || args.length > 1) {
            System.err.println("usage: JudgeNoise [scenes per split, a whole number >= 1; default 64]");
            System.exit(2);
        }
        List<Split> splits = List.of(Split.SEEN_TEST, Split.UNSEEN_TEST);
        System.out.printf("judge %s, score spread between two perturbed renderings of one truth (%d scenes per"
                + " split, seen + unseen)%n", PhysicsJudge.ID, scenes);
        Spread seeds = measure(scenes, splits, 0.5, 0.03, 0.5, 0.03);
        System.out.printf("  seeds  (blur 0.5, sigma 0.03, two seeds):  RMS %.4f  90th percentile %.4f"
                + "  (PISA terms alone: RMS %.4f)%n", seeds.rms(), seeds.p90(), seeds.pisaRms());
        Spread levels = measure(scenes, splits, 0.3, 0.02, 0.7, 0.04);
        System.out.printf("  levels (blur 0.3/0.02 vs 0.7/0.04):        RMS %.4f  90th percentile %.4f"
                + "  (PISA terms alone: RMS %.4f)%n", levels.rms(), levels.p90(), levels.pisaRms());
        System.out.printf("  PhysicsJudge.NOISE in use: %.4f (confidence at margin 0.05: %.3f)%n",
                PhysicsJudge.NOISE, PhysicsJudge.confidence(0.05));
    }

    private JudgeNoise() {
    }
}
