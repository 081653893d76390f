package io.physmaster.sim.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PairedBootstrapTest {

    /** Scenes vary 10x more than the change: pairing still sees a consistent 5 % drop. */
    @Test
    void aConsistentSmallDropAcrossVeryDifferentScenesIsReal() {
        Random r = new Random(1);
        double[] before = new double[32];
        double[] after = new double[32];
        for (int i = 0; i < before.length; i++) {
            before[i] = 0.05 + 0.1 * r.nextDouble();
            after[i] = before[i] * (0.95 + 0.01 * r.nextGaussian());
        }
        PairedBootstrap.Interval c = PairedBootstrap.relativeChange(before, after, 7);
        assertEquals(-0.05, c.change(), 0.01);
        assertTrue(c.decreased(), c.toString());
        assertTrue(c.low() < c.change() && c.change() < c.high());
    }

    @Test
    void noiseAloneIsNotAChange() {
        Random r = new Random(2);
        double[] before = new double[16];
        double[] after = new double[16];
        for (int i = 0; i < before.length; i++) {
            before[i] = 0.1 + 0.02 * r.nextGaussian();
            after[i] = 0.1 + 0.02 * r.nextGaussian();
        }
        PairedBootstrap.Interval c = PairedBootstrap.relativeChange(before, after, 7);
        assertFalse(c.decreased() || c.increased(), c.toString());
    }

    @Test
    void unpairedInputIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> PairedBootstrap.relativeChange(new double[3], new double[4], 1));
    }
}
