package io.physmaster.sim.metrics;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * 95 % bootstrap intervals over scenes, the one resampling behind every interval we report
 * ({@link PairedBootstrap} is its one-stratum, unweighted, relative case), for weighted figures ({@code sum w v / sum w}: gravity is a share of falls, not of scenes) and
 * to several strata: the "avg" figure is the mean of the seen and unseen splits' figures, each split resampled
 * within itself. A paired change resamples both arms with the same scene indexes, so the scene-to-scene spread
 * cancels. Resamples without any weight (a draw of scenes without a fall) are left out of the percentiles.
 */
public final class SceneBootstrap {

    public static final int RESAMPLES = PairedBootstrap.RESAMPLES;

    /** A figure and its 95 % interval. */
    public record Estimate(double value, double low, double high) {
    }

    /** One stratum's scenes for one arm: values and weights, index = scene. */
    public record Arm(double[] values, double[] weights) {
        public Arm {
            if (values.length != weights.length) {
                throw new IllegalArgumentException(values.length + " values but " + weights.length + " weights");
            }
        }

        /** Every scene with weight 1 (a plain mean over scenes). */
        public static Arm unweighted(double[] values) {
            double[] w = new double[values.length];
            Arrays.fill(w, 1);
            return new Arm(values, w);
        }

        int scenes() {
            return values.length;
        }
    }

    /** The mean over strata of each stratum's weighted mean, with its bootstrap interval. */
    public static Estimate mean(List<Arm> strata, long seed) {
        return estimate(strata, strata, seed, Change.NONE);
    }

    /** The paired change from {@code before} to {@code after} (stratum by stratum, scene by scene). */
    public static Estimate change(List<Arm> before, List<Arm> after, boolean relative, long seed) {
        if (before.size() != after.size()) {
            throw new IllegalArgumentException("paired arms need the same strata: " + before.size() + " vs " + after.size());
        }
        for (int s = 0; s < before.size(); s++) {
            if (before.get(s).scenes() != after.get(s).scenes()) {
                throw new IllegalArgumentException("paired arms need the same scenes: " + before.get(s).scenes()
                        + " vs " + after.get(s).scenes());
            }
        }
        return estimate(before, after, seed, relative ? Change.RELATIVE : Change.ABSOLUTE);
    }

    private enum Change { NONE, ABSOLUTE, RELATIVE }

    private static Estimate estimate(List<Arm> before, List<Arm> after, long seed, Change kind) {
        if (before.isEmpty() || before.stream().anyMatch(a -> a.scenes() == 0)) {
            throw new IllegalArgumentException("every stratum needs at least one scene");
        }
        int strata = before.size();
        int[][] all = new int[strata][];
        for (int s = 0; s < strata; s++) {
            all[s] = java.util.stream.IntStream.range(0, before.get(s).scenes()).toArray();
        }
        double point = statistic(before, after, all, kind);
        double[] draws = new double[RESAMPLES];
        int finite = 0;
        Random rnd = new Random(seed);
        int[][] idx = new int[strata][];
        for (int r = 0; r < RESAMPLES; r++) {
            for (int s = 0; s < strata; s++) {
                int n = before.get(s).scenes();
                idx[s] = new int[n];
                for (int i = 0; i < n; i++) {
                    idx[s][i] = rnd.nextInt(n);
                }
            }
            double d = statistic(before, after, idx, kind);
            if (Double.isFinite(d)) {
                draws[finite++] = d;
            }
        }
        if (finite == 0) {
            return new Estimate(point, Double.NaN, Double.NaN);
        }
        double[] sorted = Arrays.copyOf(draws, finite);
        Arrays.sort(sorted);
        return new Estimate(point, sorted[(int) (0.025 * finite)], sorted[Math.max(0, (int) (0.975 * finite) - 1)]);
    }

    private static double statistic(List<Arm> before, List<Arm> after, int[][] idx, Change kind) {
        double b = 0;
        double a = 0;
        for (int s = 0; s < idx.length; s++) {
            b += weighted(before.get(s), idx[s]);
            a += weighted(after.get(s), idx[s]);
        }
        b /= idx.length;
        a /= idx.length;
        return switch (kind) {
            case NONE -> b;
            case ABSOLUTE -> a - b;
            case RELATIVE -> b == 0 ? Double.NaN : a / b - 1;
        };
    }

    /** sum w v / sum w over the indexed scenes (NaN without weight). */
    private static double weighted(Arm arm, int[] idx) {
        double sum = 0;
        double weight = 0;
        for (int i : idx) {
            double w = arm.weights()[i];
            if (w > 0) {
                sum += w * arm.values()[i];
                weight += w;
            }
        }
        return weight == 0 ? Double.NaN : sum / weight;
    }

    private SceneBootstrap() {
    }
}
