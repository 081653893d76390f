package io.physmaster.sim.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SceneBootstrapTest {

    private static SceneBootstrap.Arm unweighted(double[] v) {
        return SceneBootstrap.Arm.unweighted(v);
    }

    /** The textbook paired percentile bootstrap of a ratio of means, written out plainly as the reference. */
    private static double[] plainPairedBootstrap(double[] before, double[] after, long seed) {
        int n = before.length;
        int resamples = SceneBootstrap.RESAMPLES;
        double[] draws = new double[resamples];
        Random rnd = new Random(seed);
        for (int r = 0; r < resamples; r++) {
            double b = 0;
            double a = 0;
            for (int i = 0; i < n; i++) {
                int k = rnd.nextInt(n);
                b += before[k];
                a += after[k];
            }
            draws[r] = a / b - 1;
        }
        Arrays.sort(draws);
        return new double[] {draws[(int) (0.025 * resamples)], draws[(int) (0.975 * resamples) - 1]};
    }

    @Test
    void oneUnweightedStratumIsThePlainPairedBootstrap() {
        Random r = new Random(3);
        double[] before = new double[20];
        double[] after = new double[20];
        for (int i = 0; i < before.length; i++) {
            before[i] = 0.05 + 0.1 * r.nextDouble();
            after[i] = before[i] * (1.1 + 0.2 * r.nextGaussian());
        }
        double[] expected = plainPairedBootstrap(before, after, 7);
        SceneBootstrap.Estimate got = SceneBootstrap.change(List.of(unweighted(before)), List.of(unweighted(after)),
                true, 7);
        assertEquals(Arrays.stream(after).sum() / Arrays.stream(before).sum() - 1, got.value(), 1e-12);
        assertEquals(expected[0], got.low(), 1e-12);
        assertEquals(expected[1], got.high(), 1e-12);
        PairedBootstrap.Interval same = PairedBootstrap.relativeChange(before, after, 7);
        assertEquals(got.low(), same.low(), 0);
        assertEquals(got.high(), same.high(), 0);
    }

    @Test
    void weightedFiguresCountOnlyWeightAndAverageTheStrata() {
        // Stratum 1: hits 1 of 2 falls, none (no fall), 1 of 1 -> 2/3; stratum 2: 0 of 1 -> 0.
        SceneBootstrap.Arm seen = new SceneBootstrap.Arm(new double[] {0.5, 0, 1}, new double[] {2, 0, 1});
        SceneBootstrap.Arm unseen = new SceneBootstrap.Arm(new double[] {0}, new double[] {1});
        assertEquals(2.0 / 3, SceneBootstrap.mean(List.of(seen), 1).value(), 1e-12);
        SceneBootstrap.Estimate avg = SceneBootstrap.mean(List.of(seen, unseen), 1);
        assertEquals((2.0 / 3 + 0) / 2, avg.value(), 1e-12);
        assertTrue(avg.low() <= avg.value() && avg.value() <= avg.high(), avg.toString());
        SceneBootstrap.Estimate constant = SceneBootstrap.mean(List.of(unweighted(new double[] {0.3, 0.3, 0.3})), 1);
        assertEquals(0.3, constant.low(), 1e-12);
        assertEquals(0.3, constant.high(), 1e-12);
        SceneBootstrap.Estimate none = SceneBootstrap.mean(List.of(new SceneBootstrap.Arm(new double[2], new double[2])), 1);
        assertTrue(Double.isNaN(none.value()) && Double.isNaN(none.low()), "no weight, no figure");
    }

    @Test
    void absoluteChangesAreDifferencesAndArmsMustPair() {
        double[] before = {0.2, 0.4, 0.6, 0.8};
        double[] after = {0.3, 0.5, 0.7, 0.9};
        SceneBootstrap.Estimate d = SceneBootstrap.change(List.of(unweighted(before)), List.of(unweighted(after)),
                false, 1);
        assertEquals(0.1, d.value(), 1e-12);
        assertEquals(0.1, d.low(), 1e-12, "the same shift in every scene leaves no spread");
        assertEquals(0.1, d.high(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> SceneBootstrap.change(List.of(unweighted(before)),
                List.of(unweighted(new double[3])), false, 1));
    }
}
