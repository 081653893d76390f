package io.physmaster.sim.metrics;

import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ObjectSpec;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Renderer;
import io.physmaster.sim.SceneSpec;
import io.physmaster.sim.Trajectory;
import java.util.ArrayList;
import java.util.List;

/**
 * Candidate videos made by hand from a simulated truth, each with one known defect in its dropping objects.
 * Frame 0 is always the truth's (a generator is given it). Re-rendering with the sim's own renderer keeps
 * anti-aliasing as real as the truth's.
 */
public final class HandMadeClips {

    /** Dropping objects moved by (dx, dy) pixels (x right, y down) in frames 1..: whole, slightly off. */
    public static float[] shifted(RenderedClip c, double dx, double dy) {
        double m = SceneSpec.WORLD / c.width(); // metres per pixel
        return withTruthFrame0(c, render(c, c.scene(), moved(c, dx * m, -dy * m, false)));
    }

    /** Dropping objects drawn with {@code areaFactor} times their area (same motion). */
    public static float[] grown(RenderedClip c, double areaFactor) {
        return grown(c, areaFactor, 0);
    }

    /** Dropping objects drawn with {@code areaFactor} times their area and moved {@code dx} pixels right. */
    public static float[] grown(RenderedClip c, double areaFactor, double dx) {
        List<ObjectSpec> objects = new ArrayList<>();
        for (ObjectSpec o : c.scene().objects()) {
            objects.add(!o.dropping() ? o : new ObjectSpec(o.shape(), o.size() * Math.sqrt(areaFactor), o.material(),
                    o.shade(), o.x(), o.y(), o.angle(), true));
        }
        SceneSpec big = new SceneSpec(c.scene().id(), c.scene().surfaces(), objects);
        return withTruthFrame0(c, render(c, big, moved(c, dx * SceneSpec.WORLD / c.width(), 0, false)));
    }

    /**
     * Dropping objects shattered into specks that keep the centroid: in frames 1.. every pixel of the object's
     * exact mask is painted in the object's colour at {@code spread} times its offset from the mask centroid,
     * over the scene without the object.
     */
    public static float[] shattered(RenderedClip c, double spread) {
        float[] v = withTruthFrame0(c, render(c, c.scene(), moved(c, -100, 0, true)));
        int h = c.height();
        int w = c.width();
        int plane = h * w;
        double[] cent = c.centroids();
        int n = c.objectCount();
        for (int t = 1; t < c.frames(); t++) {
            for (int id : PhysicsMetrics.ids(c.dropping(), true)) {
                float[] rgb = c.colors()[id - 1].getRGBColorComponents(null);
                double cx = cent[2 * (t * n + id - 1)];
                double cy = cent[2 * (t * n + id - 1) + 1];
                for (int p = 0; p < plane; p++) {
                    if (c.masks()[t * plane + p] != id) {
                        continue;
                    }
                    int x = (int) Math.round(cx + spread * (p % w - cx));
                    int y = (int) Math.round(cy + spread * (p / w - cy));
                    if (x >= 0 && x < w && y >= 0 && y < h) {
                        for (int ch = 0; ch < 3; ch++) {
                            v[(t * 3 + ch) * plane + y * w + x] = rgb[ch];
                        }
                    }
                }
            }
        }
        return v;
    }

    /**
     * The truth with a ghost: in frames 1.., where a dropping object was in frame 0 and is no longer, the pixel
     * is mixed with {@code alpha} of the object's colour darkened to {@code shade} (a dark, half-seen copy).
     */
    public static float[] ghost(RenderedClip c, double alpha, double shade) {
        float[] v = c.video().clone();
        int plane = c.height() * c.width();
        for (int id : PhysicsMetrics.ids(c.dropping(), true)) {
            float[] rgb = c.colors()[id - 1].getRGBColorComponents(null);
            for (int t = 1; t < c.frames(); t++) {
                for (int p = 0; p < plane; p++) {
                    if (c.masks()[p] == id && c.masks()[t * plane + p] != id) {
                        for (int ch = 0; ch < 3; ch++) {
                            int i = (t * 3 + ch) * plane + p;
                            v[i] = (float) ((1 - alpha) * v[i] + alpha * shade * rgb[ch]);
                        }
                    }
                }
            }
        }
        return v;
    }

    /** The truth with the dropping objects' pixels darkened to {@code shade} of their colour in frames 1... */
    public static float[] darkened(RenderedClip c, double shade) {
        float[] v = c.video().clone();
        int plane = c.height() * c.width();
        for (int t = 1; t < c.frames(); t++) {
            for (int p = 0; p < plane; p++) {
                int id = c.masks()[t * plane + p];
                if (id > 0 && c.dropping()[id - 1]) {
                    for (int ch = 0; ch < 3; ch++) {
                        v[(t * 3 + ch) * plane + p] *= (float) shade;
                    }
                }
            }
        }
        return v;
    }

    /** The judge's view of a video: the perturbation the segmenter is tested under (blur 0.5, noise 0.03). */
    public static float[] perturbed(RenderedClip c, float[] video, long seed) {
        return Perturbation.blurAndNoise(video, c.frames(), c.height(), c.width(), 0.5, 0.03, seed);
    }

    /** The truth's trajectory with the dropping objects moved by (dx, dy) metres in frames 1.. (or all frames). */
    static Trajectory moved(RenderedClip c, double dx, double dy, boolean allFrames) {
        Trajectory tr = c.trajectory();
        double[] poses = tr.poses().clone();
        for (int t = allFrames ? 0 : 1; t < tr.frames(); t++) {
            for (int i = 0; i < tr.objects(); i++) {
                if (c.dropping()[i]) {
                    poses[(t * tr.objects() + i) * 3] += dx;
                    poses[(t * tr.objects() + i) * 3 + 1] += dy;
                }
            }
        }
        return new Trajectory(tr.frames(), tr.objects(), poses);
    }

    private static float[] render(RenderedClip c, SceneSpec scene, Trajectory tr) {
        return Renderer.render(scene, tr, new ClipSpec(c.width(), c.frames(), ClipSpec.MODEL.fps())).video();
    }

    private static float[] withTruthFrame0(RenderedClip c, float[] v) {
        System.arraycopy(c.video(), 0, v, 0, 3 * c.height() * c.width());
        return v;
    }

    private HandMadeClips() {
    }
}
