package io.physmaster.sim.metrics;

import java.util.List;

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

    /**
     * The relative change of the mean from {@code before} to {@code after}, paired by index (scene): the one
     * unweighted stratum case of {@link SceneBootstrap}. NaN when the mean of {@code before} is zero (no ratio).
     */
    public static Interval relativeChange(double[] before, double[] after, long seed) {
        if (before.length != after.length || before.length == 0) {
            throw new IllegalArgumentException("paired scores need the same, non-zero number of scenes: "
                    + before.length + " vs " + after.length);
        }
        SceneBootstrap.Estimate e = SceneBootstrap.change(List.of(SceneBootstrap.Arm.unweighted(before)),
                List.of(SceneBootstrap.Arm.unweighted(after)), true, seed);
        return new Interval(e.value(), e.low(), e.high(), before.length);
    }

    private PairedBootstrap() {
    }
}
