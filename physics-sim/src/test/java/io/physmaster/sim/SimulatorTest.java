package io.physmaster.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SimulatorTest {

    static SceneSpec single(Material m, double y) {
        return new SceneSpec("test", List.of(SurfaceSpec.box("floor", -2, -1, 6, SceneSpec.FLOOR_TOP)),
                List.of(new ObjectSpec(ShapeKind.CIRCLE, 0.3, m, 0, 2.0, y, 0, true)));
    }

    @Test
    void freeFallFollowsHalfGTSquaredBeforeContact() {
        double y0 = 3.5;
        ClipSpec clip = new ClipSpec(32, 6, 10);
        Trajectory traj = Simulator.simulate(single(Material.METAL, y0), clip);
        for (int t = 0; t < clip.frames(); t++) {
            double time = t / clip.fps();
            double expected = y0 - 0.5 * Simulator.GRAVITY * time * time;
            if (expected - 0.3 > SceneSpec.FLOOR_TOP + 0.05) { // before contact
                assertEquals(expected, traj.y(t, 0), 0.01, "frame " + t);
                assertEquals(2.0, traj.x(t, 0), 1e-9);
            }
        }
    }

    /** Highest point after the first bounce. */
    static double bounceHeight(Material m) {
        ClipSpec clip = new ClipSpec(32, 40, 40);
        Trajectory traj = Simulator.simulate(single(m, 2.5), clip);
        int t = 0;
        while (t + 1 < clip.frames() && traj.y(t + 1, 0) < traj.y(t, 0)) {
            t++; // falling
        }
        double top = traj.y(t, 0);
        for (int k = t; k < clip.frames(); k++) {
            top = Math.max(top, traj.y(k, 0));
        }
        return top - traj.y(t, 0);
    }

    @Test
    void bounceHeightsOrderByRestitution() {
        double rubber = bounceHeight(Material.RUBBER);
        double wood = bounceHeight(Material.WOOD);
        double metal = bounceHeight(Material.METAL);
        assertTrue(rubber > wood && wood > metal, "rubber " + rubber + " wood " + wood + " metal " + metal);
        assertTrue(rubber > 0.5, "rubber bounces high: " + rubber);
    }

    /** How far a box placed on a 1:2 ramp has slid downhill after 1.5 s. */
    static double slide(Material m) {
        double f = SceneSpec.FLOOR_TOP;
        double slope = Math.atan(0.5);
        double size = 0.2;
        double sx = 0.8; // surface point under the box: the ramp falls from (0, f + 1) to (2, f)
        double sy = f + 1 - sx / 2;
        double gap = size + 0.005;
        var scene = new SceneSpec("ramp", List.of(SurfaceSpec.box("floor", -2, -1, 6, f),
                new SurfaceSpec("ramp", new double[] {0, 2, 0}, new double[] {f, f, f + 1})),
                List.of(new ObjectSpec(ShapeKind.BOX, size, m, 0, sx + gap * Math.sin(slope),
                        sy + gap * Math.cos(slope), -slope, false)));
        Trajectory traj = Simulator.simulate(scene.validate(), new ClipSpec(32, 16, 10));
        return traj.x(15, 0) - traj.x(0, 0);
    }

    @Test
    void slidingOrdersByFriction() {
        double ice = slide(Material.ICE);   // friction mixes to sqrt(0.02 * 0.6) = 0.11 < tan(slope) = 0.5: slides
        double wood = slide(Material.WOOD); // sqrt(0.6 * 0.6) = 0.6 > 0.5: holds
        assertTrue(ice > 1.0, "ice slides down the ramp: " + ice);
        assertTrue(Math.abs(wood) < 0.1, "wood stays put: " + wood);
    }

    @Test
    void centroidsFollowTheMasks() {
        RenderedClip c = ProxyTask.render(ProxyTask.scene(Split.TRAIN, 2), ClipSpec.MODEL);
        double[] cen = c.centroids();
        int n = c.objectCount();
        for (int i = 0; i < n; i++) {
            if (c.dropping()[i]) { // a dropping object's mask centroid moves down (larger y) while it falls
                assertTrue(cen[(3 * n + i) * 2 + 1] > cen[i * 2 + 1], "object " + (i + 1) + " falls");
                // and sits where the simulator put it: world y -> pixel row
                double row = c.height() - c.trajectory().y(0, i) * c.height() / SceneSpec.WORLD - 0.5;
                assertEquals(row, cen[i * 2 + 1], 1.0);
            }
        }
    }

    @Test
    void unseenObjectsDropFromAboveTheTrainingHeights() {
        for (int i = 0; i < 40; i++) {
            for (Split split : List.of(Split.TRAIN, Split.UNSEEN_TEST)) {
                for (ObjectSpec o : ProxyTask.scene(split, i).objects()) {
                    if (o.dropping()) {
                        double gap = o.y() - SceneSpec.reach(o) - SceneSpec.FLOOR_TOP;
                        assertTrue(split == Split.TRAIN ? gap <= SceneGenerator.TRAIN_DROP_MAX + 1e-9
                                : gap >= SceneGenerator.UNSEEN_DROP_MIN - 1e-9, split + " " + gap);
                    }
                }
            }
        }
    }

    @Test
    void scenesAndRendersAreDeterministic() {
        SceneSpec a = ProxyTask.scene(Split.TRAIN, 17);
        SceneSpec b = ProxyTask.scene(Split.TRAIN, 17);
        assertEquals(a.objects(), b.objects());
        RenderedClip ca = ProxyTask.render(a, ClipSpec.MODEL);
        RenderedClip cb = ProxyTask.render(b, ClipSpec.MODEL);
        assertArrayEquals(ca.video(), cb.video());
        assertArrayEquals(ca.masks(), cb.masks());
        assertNotEquals(ProxyTask.scene(Split.SEEN_TEST, 17).objects(), a.objects(), "splits use other seeds");
    }

    @Test
    void unseenSplitUsesCombinationsNeverInTrain() {
        for (int i = 0; i < 50; i++) {
            for (ObjectSpec o : ProxyTask.scene(Split.UNSEEN_TEST, i).objects()) {
                if (o.dropping()) {
                    assertTrue(!SceneGenerator.TRAIN_COMBOS.get(o.shape()).contains(o.material()), o.toString());
                }
            }
            for (ObjectSpec o : ProxyTask.scene(Split.TRAIN, i).objects()) {
                assertTrue(SceneGenerator.TRAIN_COMBOS.get(o.shape()).contains(o.material()), o.toString());
            }
        }
    }

    @Test
    void clipHasTheContractShapesAndLabels() {
        SceneSpec s = ProxyTask.scene(Split.TRAIN, 3);
        RenderedClip c = ProxyTask.render(s, ClipSpec.MODEL);
        assertEquals(16 * 3 * 32 * 32, c.video().length);
        assertEquals(16 * 32 * 32, c.masks().length);
        assertEquals(s.objects().size(), c.objectCount());
        assertTrue(s.dropCount() >= 1);
        for (float v : c.video()) {
            assertTrue(v >= 0 && v <= 1);
        }
        int objectPixels = 0;
        for (int p = 0; p < 32 * 32; p++) {
            if (c.masks()[p] > 0) {
                objectPixels++;
                assertEquals(s.objects().get(c.masks()[p] - 1).material().classId(), c.materialMap()[p]);
            }
        }
        assertTrue(objectPixels > 10, "objects are visible in frame 0: " + objectPixels + " px");
        int surface = 0;
        for (byte b : c.surfaceMap()) {
            surface += b;
        }
        assertTrue(surface >= 32, "the floor is drawn");
    }

    @Test
    void invalidScenesAreRefusedWithAReason() {
        var tooBig = new SceneSpec("bad", List.of(), List.of(
                new ObjectSpec(ShapeKind.BOX, 5, Material.WOOD, 0, 2, 2, 0, true)));
        var e = assertThrows(IllegalArgumentException.class, tooBig::validate);
        assertTrue(e.getMessage().contains("size must be"), e.getMessage());
        var sameColour = new SceneSpec("bad", List.of(), List.of(
                new ObjectSpec(ShapeKind.BOX, 0.3, Material.WOOD, 0, 1, 2, 0, true),
                new ObjectSpec(ShapeKind.BOX, 0.3, Material.WOOD, 0, 3, 2, 0, true)));
        assertThrows(IllegalArgumentException.class, sameColour::validate);
        assertThrows(IllegalArgumentException.class, () -> new ClipSpec(32, 1, 10));
        assertThrows(IllegalArgumentException.class, () -> ProxyTask.sceneById("nonsense"));
        assertThrows(IllegalArgumentException.class, () -> ProxyTask.scene(Split.TRAIN, -1));
    }
}
