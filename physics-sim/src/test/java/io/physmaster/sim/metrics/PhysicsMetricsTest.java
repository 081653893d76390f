package io.physmaster.sim.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Split;
import org.junit.jupiter.api.Test;

class PhysicsMetricsTest {

    static byte[] square(int frames, int h, int w, int x0, int y0, int side) {
        byte[] m = new byte[frames * h * w];
        for (int t = 0; t < frames; t++) {
            for (int y = y0; y < y0 + side; y++) {
                for (int x = x0; x < x0 + side; x++) {
                    m[t * h * w + y * w + x] = 1;
                }
            }
        }
        return m;
    }

    @Test
    void identicalMasksScorePerfectly() {
        RenderedClip c = ProxyTask.render(ProxyTask.scene(Split.TRAIN, 5), ClipSpec.MODEL);
        MetricScores s = PhysicsMetrics.score(c.masks(), c.masks(), 16, 32, 32, PhysicsMetrics.ids(c.dropping(), false), 0);
        assertEquals(0, s.l2(), 0);
        assertEquals(0, s.cd(), 0);
        assertEquals(1, s.iou(), 0);
    }

    @Test
    void aKnownShiftGivesTheKnownL2AndCd() {
        int h = 32;
        byte[] gt = square(4, h, h, 5, 5, 1);
        byte[] gen = square(4, h, h, 8, 9, 1); // shifted by (3, 4): distance 5 px
        MetricScores s = PhysicsMetrics.score(gt, gen, 4, h, h, new int[] {1}, 0);
        // PISA's L2 averages |dx| and |dy|: (3 + 4) / 2 px, then / sqrt(2) / H.
        assertEquals(3.5 / Math.sqrt(2) / h, s.l2(), 1e-12);
        assertEquals(2 * 5 / Math.sqrt(2) / h, s.cd(), 1e-12); // single pixels: both directions 5 px
        assertEquals(0, s.iou(), 0);
    }

    @Test
    void shiftedSquareObjectGivesItsShiftAndOverlap() {
        int h = 32;
        byte[] gt = square(3, h, h, 4, 10, 6);
        byte[] gen = square(3, h, h, 8, 10, 6); // 6x6 square moved 4 px right
        MetricScores s = PhysicsMetrics.score(gt, gen, 3, h, h, new int[] {1}, 0);
        assertEquals(4.0 / 2 / Math.sqrt(2) / h, s.l2(), 1e-12);
        assertEquals(12.0 / 60, s.iou(), 1e-12); // overlap 2x6 = 12, union 36 + 36 - 12 = 60
        // Chamfer by hand: gen columns 8..13 vs gt columns 4..9: columns 8, 9 are on gt (0), 10..13 are 1..4 px away.
        double oneWay = (0 + 0 + 1 + 2 + 3 + 4) / 6.0;
        assertEquals(2 * oneWay / Math.sqrt(2) / h, s.cd(), 1e-12);
    }

    @Test
    void droppingScopeScoresOnlyTheDroppingObjects() {
        int h = 16;
        byte[] gt = square(2, h, h, 1, 1, 3);
        byte[] gen = gt.clone();
        for (int t = 0; t < 2; t++) { // object 2 only in gen: wrong, but not a dropping object
            gen[t * h * h + 12 * h + 12] = 2;
        }
        boolean[] dropping = {true, false};
        assertEquals(1, PhysicsMetrics.score(gt, gen, 2, h, h, PhysicsMetrics.ids(dropping, true), 0).iou(), 0);
        assertEquals(0.5, PhysicsMetrics.score(gt, gen, 2, h, h, PhysicsMetrics.ids(dropping, false), 0).iou(), 1e-12);
    }

    @Test
    void iouOfOverlappingSquares() {
        byte[] gt = square(1, 32, 32, 0, 0, 4);
        byte[] gen = square(1, 32, 32, 2, 0, 4); // overlap 2x4 = 8, union 24
        assertEquals(8.0 / 24, PhysicsMetrics.score(gt, gen, 1, 32, 32, new int[] {1}, 0).iou(), 1e-12);
    }

    @Test
    void bothEmptyIsPerfectAndOneEmptyIsPenalised() {
        byte[] empty = new byte[32 * 32];
        assertEquals(1, PhysicsMetrics.score(empty, empty, 1, 32, 32, new int[] {1}, 0).iou(), 0);
        MetricScores missing = PhysicsMetrics.score(square(1, 32, 32, 3, 3, 2), empty, 1, 32, 32, new int[] {1}, 0);
        assertEquals(PhysicsMetrics.MISSING, missing.l2(), 0);
        assertEquals(0, missing.iou(), 0);
    }

    @Test
    void mismatchedSizesAreRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> PhysicsMetrics.score(new byte[10], new byte[11], 1, 2, 5, new int[] {1}, 0));
    }
}
