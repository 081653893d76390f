package io.physmaster.sim;

import java.util.ArrayList;
import java.util.List;
import org.dyn4j.dynamics.Body;
import org.dyn4j.dynamics.BodyFixture;
import org.dyn4j.geometry.Convex;
import org.dyn4j.geometry.Geometry;
import org.dyn4j.geometry.MassType;
import org.dyn4j.geometry.Vector2;
import org.dyn4j.world.World;

/** Runs a scene in dyn4j (a real rigid-body engine) and samples every object's pose at the frame times. */
public final class Simulator {

    public static final double GRAVITY = 9.81;
    /** Physics steps per second; many per frame so fast bounces resolve. */
    public static final double STEP_HZ = 480;

    public static Trajectory simulate(SceneSpec scene, ClipSpec clip) {
        World<Body> world = new World<>();
        world.setGravity(0, -GRAVITY);
        world.getSettings().setStepFrequency(1.0 / STEP_HZ);
        // Deterministic: no sleeping bodies (waking order could differ), fixed step count per frame.
        world.getSettings().setAtRestDetectionEnabled(false);

        for (SurfaceSpec s : scene.surfaces()) {
            Vector2[] v = new Vector2[s.xs().length];
            for (int i = 0; i < v.length; i++) {
                v[i] = new Vector2(s.xs()[i], s.ys()[i]);
            }
            Body b = new Body();
            BodyFixture f = b.addFixture(Geometry.createPolygon(v));
            f.setFriction(0.6);
            // dyn4j combines restitution by max: 0 here lets each object's material decide its bounce.
            f.setRestitution(0.0);
            b.setMass(MassType.INFINITE);
            world.addBody(b);
        }
        List<Body> bodies = new ArrayList<>();
        for (ObjectSpec o : scene.objects()) {
            Body b = new Body();
            BodyFixture f = b.addFixture(convex(o), o.material().density, o.material().friction,
                    o.material().restitution);
            f.setRestitutionVelocity(0.2); // bounce down to slow impacts
            b.setMass(MassType.NORMAL);
            b.rotate(o.angle());
            b.translate(o.x(), o.y());
            b.setBullet(true);
            world.addBody(b);
            bodies.add(b);
        }

        int n = bodies.size();
        double[] poses = new double[clip.frames() * n * 3];
        int stepsPerFrame = (int) Math.round(STEP_HZ / clip.fps());
        for (int t = 0; t < clip.frames(); t++) {
            if (t > 0) {
                world.step(stepsPerFrame);
            }
            for (int i = 0; i < n; i++) {
                var tr = bodies.get(i).getTransform();
                int k = (t * n + i) * 3;
                poses[k] = tr.getTranslationX();
                poses[k + 1] = tr.getTranslationY();
                poses[k + 2] = tr.getRotationAngle();
            }
        }
        return new Trajectory(clip.frames(), n, poses);
    }

    private static Convex convex(ObjectSpec o) {
        double[][] p = ShapeGeometry.polygon(o.shape(), o.size());
        if (p == null) {
            return Geometry.createCircle(o.size());
        }
        Vector2[] v = new Vector2[p[0].length];
        for (int i = 0; i < v.length; i++) {
            v[i] = new Vector2(p[0][i], p[1][i]);
        }
        return Geometry.createPolygon(v);
    }

    private Simulator() {
    }
}
