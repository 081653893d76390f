package io.physmaster.sim.metrics;

import java.util.Arrays;
import java.util.Random;

/**
 * How sure a change is: a paired bootstrap over scenes. Both arms are scored on the same scenes (same seeds),
 * so scenes are resampled together and the scene-to-scene spread, which is much larger than the change, cancels.
 * A change counts as real only when its 95 % interval excludes zero.
 */
public final class PairedBootstrap {

    /** A relative change {@code mean(after) / mean(before) - 1} with its 95 % interval. */
    public record Interval(double change, double low, double high, int scenes) {

        /** Whether the interval lies entirely below zero (a lower-is-better figure got better beyond noise). */
        public boolean decreased() {
            return high < 0;
        }

        /** Whether the interval lies entirely above zero. */
        public boolean increased() {
            return low > 0;
        }

        /** e.g. {@code -4.1 % [-6.0, -2.2]}. */
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "%+.1f %% [%+.1f, %+.1f]", 100 * change, 100 * low, 100 * high);
        }
    }

    public static final int RESAMPLES = 2000;

    /** The relative change of the mean from {@code before} to {@code after}, paired by index (scene). */
    public static Interval relativeChange(double[] before, double[] after, long seed) {
        if (before.length != after.length || before.length == 0) {
            throw new IllegalArgumentException("paired scores need the same, non-zero number of scenes: "
                    + before.length + " vs " + after.length);
        }
        int n = before.length;
        double change = ratio(mean(after), mean(before));
        double[] draws = new double[RESAMPLES];
        Random rnd = new Random(seed);
        for (int r = 0; r < RESAMPLES; r++) {
            double b = 0;
            double a = 0;
            for (int i = 0; i < n; i++) {
                int k = rnd.nextInt(n);
                b += before[k];
                a += after[k];
            }
            draws[r] = ratio(a, b);
        }
        Arrays.sort(draws);
        return new Interval(change, draws[(int) (0.025 * RESAMPLES)], draws[(int) (0.975 * RESAMPLES) - 1], n);
    }

    private static double ratio(double after, double before) {
        return before == 0 ? 0 : after / before - 1;
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private PairedBootstrap() {
    }
}
