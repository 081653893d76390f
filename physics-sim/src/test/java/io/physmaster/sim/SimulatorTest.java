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
