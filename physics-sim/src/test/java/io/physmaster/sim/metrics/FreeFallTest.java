package io.physmaster.sim.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Split;
import io.physmaster.sim.Trajectory;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FreeFallTest {

    /** A clip whose object 0 falls freely until frame {@code last} and then rests (the rest as simulated). */
    static RenderedClip withFall(RenderedClip c, int last, double d2y) {
        Trajectory tr = c.trajectory();
        double[] poses = tr.poses().clone();
        int n = tr.objects();
        double y0 = poses[1];
        for (int t = 0; t < tr.frames(); t++) {
            int k = t * n * 3;
            poses[k] = poses[0];
            poses[k + 1] = y0 + d2y * Math.min(t, last) * (Math.min(t, last) + 1) / 2.0;
            poses[k + 2] = poses[2];
        }
        return new RenderedClip(c.scene(), c.frames(), c.height(), c.width(), c.video(), c.masks(), c.dropping(),
                c.colors(), c.materialMap(), c.heightMap(), c.surfaceMap(), new Trajectory(tr.frames(), n, poses));
    }

    @Test
    void findsTheLastFrameBeforeTheFirstContact() {
        RenderedClip c = ProxyTask.render(ProxyTask.scene(Split.TRAIN, 0), ClipSpec.MODEL);
        // y(t) = y0 + d2y t (t + 1) / 2 has second differences d2y until it stops at frame 6.
        FreeFall f = FreeFall.of(withFall(c, 6, -0.0981), 0).orElseThrow();
        assertEquals(6, f.lastFrame());
        assertEquals(0.0981 * c.height() / 4.0, f.acceleration(), 1e-9);
        // A fall of 4 frames (0..3) is too short to fit; an object that does not move is not falling.
        assertTrue(FreeFall.of(withFall(c, 3, -0.0981), 0).isEmpty());
        assertTrue(FreeFall.of(withFall(c, 6, 0), 0).isEmpty());
    }

    @Test
    void fitsTheAccelerationOfAParabola() {
        FreeFall f = new FreeFall(7, 0.785);
        double[] ys = new double[16];
        for (int t = 0; t < ys.length; t++) {
            ys[t] = 3 + 0.2 * t + 0.785 / 2 * t * t;
        }
        assertEquals(0.785, f.fit(ys), 1e-9);
        assertEquals(0, f.error(f.fit(ys)), 1e-9);
        ys[2] = Double.NaN; // a frame without the object is left out
        assertEquals(0.785, f.fit(ys), 1e-9);
        Arrays.fill(ys, 4, 8, Double.NaN); // 3 frames left of 0..7: no fit, the largest error
        assertTrue(Double.isNaN(f.fit(ys)));
        assertEquals(1, f.error(f.fit(ys)), 0);
        assertEquals(1, f.error(5.0), 0); // capped
        assertEquals(0.1, f.error(0.785 * 0.9), 1e-9);
    }
}
