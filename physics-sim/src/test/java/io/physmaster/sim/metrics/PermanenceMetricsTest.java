package io.physmaster.sim.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.SceneSpec;
import io.physmaster.sim.Simulator;
import io.physmaster.sim.Split;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Permanence and free-fall metrics on simulated truths and on hand-made defects of them. */
class PermanenceMetricsTest {

    /** The simulator's free-fall acceleration in pixels per frame^2: 9.81 m/s^2 x 8 px/m / (10 fps)^2. */
    static final double G_PX = Simulator.GRAVITY * (ClipSpec.MODEL.size() / SceneSpec.WORLD)
            / (ClipSpec.MODEL.fps() * ClipSpec.MODEL.fps());

    static RenderedClip clip(int index) {
        return ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, index), ClipSpec.MODEL);
    }

    static PermanenceScores score(RenderedClip c, float[] video) {
        return PermanenceMetrics.score(c, video);
    }

    @Test
    void aPerturbedTruthClipIsWholeAndFallsWithTheSimulatorsGravity() {
        RenderedClip c = clip(0);
        assertEquals(0.785, G_PX, 0.001);
        int drop = PhysicsMetrics.ids(c.dropping(), true)[0] - 1;
        FreeFall fall = FreeFall.of(c, drop).orElseThrow();
        assertEquals(G_PX, fall.acceleration(), 1e-9);
        assertTrue(fall.frames() >= FreeFall.MIN_FRAMES);

        PermanenceScores s = score(c, HandMadeClips.perturbed(c, c.video(), 7));
        System.out.printf("perturbed truth seen:0: %s%n", s);
        assertEquals(1, s.falls());
        assertEquals(G_PX, s.acceleration(), 0.1 * G_PX);
        assertTrue(s.onePiece() >= 0.9, "one piece " + s.onePiece());
        assertTrue(s.areaChange() <= 0.1 && s.ghost() <= 0.02, s.toString());
    }

    @Test
    void perturbedTruthsOverManyScenesKeepTheirObjectsAndGravity() {
        List<PermanenceScores> all = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            RenderedClip c = clip(i);
            all.add(score(c, HandMadeClips.perturbed(c, c.video(), i)));
        }
        PermanenceScores m = PermanenceScores.mean(all);
        System.out.printf("perturbed truths, 20 seen scenes: %s%n", m);
        assertTrue(m.falls() >= 15, "falls " + m.falls());
        assertEquals(G_PX, m.acceleration(), 0.03 * G_PX);
        assertTrue(m.gravityError() <= 0.05 && m.gravityWithin10() >= 0.8, m.toString());
        assertTrue(m.onePiece() >= 0.95 && m.areaChange() <= 0.1 && m.ghost() <= 0.01, m.toString());
    }

    @Test
    void aShatteredObjectIsNotOnePieceAndFallsNoMore() {
        RenderedClip c = clip(1);
        PermanenceScores whole = score(c, c.video());
        PermanenceScores specks = score(c, HandMadeClips.shattered(c, 1.5));
        assertEquals(1, whole.onePiece(), 0);
        assertTrue(specks.onePiece() <= 0.1, "one piece " + specks.onePiece());
        assertTrue(specks.gravityError() > 0.1 && whole.gravityError() <= 0.05, specks + " vs " + whole);
    }

    @Test
    void growingOrShrinkingTheObjectChangesItsArea() {
        RenderedClip c = clip(3);
        double truth = score(c, c.video()).areaChange();
        double grown = score(c, HandMadeClips.grown(c, 1.3)).areaChange();
        double shrunk = score(c, HandMadeClips.grown(c, 0.7)).areaChange();
        assertTrue(truth <= 0.05, "truth " + truth);
        assertEquals(0.3, grown, 0.08);
        assertEquals(0.3, shrunk, 0.08);
    }

    @Test
    void aGhostLeftAtTheStartIsDetected() {
        RenderedClip c = clip(2);
        float[] ghost = HandMadeClips.ghost(c, 0.5, 0.6);
        assertTrue(score(c, c.video()).ghost() <= 0.01);
        assertTrue(score(c, HandMadeClips.perturbed(c, c.video(), 1)).ghost() <= 0.02);
        assertTrue(score(c, ghost).ghost() >= 0.15, score(c, ghost).toString());
        assertTrue(score(c, HandMadeClips.perturbed(c, ghost, 1)).ghost() >= 0.15);
        // A full copy left behind is all ghost, even where the object overlaps its own start later on.
        assertTrue(score(c, HandMadeClips.ghost(c, 1, 1)).ghost() >= 0.9);
        // An object that lags behind is a dynamics error (L2), not a ghost.
        assertTrue(score(c, HandMadeClips.shifted(c, 0, -2)).ghost() <= 0.01);
    }

    @Test
    void aDarkenedObjectShiftsItsColour() {
        RenderedClip c = clip(4);
        double truth = score(c, c.video()).colourShift();
        double dark = score(c, HandMadeClips.darkened(c, 0.75)).colourShift();
        assertTrue(dark >= truth + 0.05, dark + " vs " + truth);
    }

    @Test
    void meansWeighGravityByFalls() {
        PermanenceScores fell = new PermanenceScores(0.1, 1, 0, 0.02, 0.8, 0.02, 1, 1);
        PermanenceScores missed = new PermanenceScores(0.3, 0.5, 0.2, 0.04, Double.NaN, 1, 0, 1);
        PermanenceScores noFall = new PermanenceScores(0.2, 0, 0.1, 0.06, Double.NaN, Double.NaN, Double.NaN, 0);
        PermanenceScores m = PermanenceScores.mean(List.of(fell, missed, noFall));
        assertEquals(0.2, m.areaChange(), 1e-12);
        assertEquals(0.5, m.onePiece(), 1e-12);
        assertEquals(0.1, m.ghost(), 1e-12);
        assertEquals(0.04, m.colourShift(), 1e-12);
        assertEquals(0.8, m.acceleration(), 1e-12); // only the fall that was found has an acceleration
        assertEquals(0.51, m.gravityError(), 1e-12);
        assertEquals(0.5, m.gravityWithin10(), 1e-12);
        assertEquals(2, m.falls());
        assertTrue(Double.isNaN(PermanenceScores.mean(List.of(noFall)).gravityError()));

        MetricScores both = MetricScores.mean(List.of(new MetricScores(0.1, 0.2, 0.5).withPermanence(fell),
                new MetricScores(0.3, 0.4, 0.7)));
        assertEquals(0.2, both.l2(), 1e-12);
        assertEquals(fell, both.permanence()); // an entry without permanence figures does not dilute them
    }

    @Test
    void refusesMismatchedVideoAndMasks() {
        RenderedClip c = clip(0);
        assertThrows(IllegalArgumentException.class,
                () -> PermanenceMetrics.score(c, c.video(), new byte[c.frames()]));
        assertThrows(IllegalArgumentException.class, () -> PermanenceMetrics.score(c, new float[5], c.masks()));
    }
}
