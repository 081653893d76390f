package io.physmaster.sim.metrics;

import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.SceneSpec;
import io.physmaster.sim.Trajectory;
import java.util.Optional;

/**
 * The free fall of one dropping object in the truth, read from the simulator's trajectory (world metres, exact),
 * and the quadratic fit that measures a video's free-fall acceleration.
 *
 * <p>Why the trajectory and not the truth's masks: the simulator integrates with a fixed step, so in free fall
 * the pose is exactly quadratic in the frame index and its second differences are constant:
 * <pre>
 *   d2y(k) = y(k+1) - 2 y(k) + y(k-1) = d2y(1),   d2x(k) = 0,   d2angle(k) = 0
 * </pre>
 * The first contact (floor, ledge, another object) changes the velocity between two frames and breaks this at
 * once, while mask centroids move in whole-pixel steps and hide small changes. The fall is frames 0..F with F
 * the first k whose second differences break the rule (the contact happens after frame F). The simulator's
 * acceleration in pixels comes from the same numbers, {@code -d2y(1) * H / WORLD} px/frame^2 (9.81 m/s^2 x
 * 8 px/m / (10 fps)^2 = 0.785 for the model clip), so no frame rate is needed.
 *
 * @param lastFrame    F, the last frame before the first contact
 * @param acceleration the simulator's free-fall acceleration, px/frame^2, downwards positive
 */
public record FreeFall(int lastFrame, double acceleration) {

    /** Falls shorter than this many frames (0..F) are not fitted: a quadratic needs a few spare points. */
    public static final int MIN_FRAMES = 5;
    /** Float noise allowed in the second differences, metres. */
    private static final double EXACT = 1e-9;

    /** Frames 0..F. */
    public int frames() {
        return lastFrame + 1;
    }

    /** The fall of object {@code index} (0-based), if it starts with one of at least {@link #MIN_FRAMES} frames. */
    public static Optional<FreeFall> of(RenderedClip truth, int index) {
        Trajectory tr = truth.trajectory();
        if (tr.frames() < 3) {
            return Optional.empty();
        }
        double d2y = second(tr, 1, index, 1);
        // A body at rest in mid-air at frame 0 accelerates downwards from the first step, sideways and in
        // rotation not at all; anything else (a contact before frame 2) is no free fall.
        if (!(d2y < -EXACT) || Math.abs(second(tr, 1, index, 0)) > EXACT || Math.abs(second(tr, 1, index, 2)) > EXACT) {
            return Optional.empty();
        }
        int last = tr.frames() - 1;
        for (int k = 2; k < tr.frames() - 1; k++) {
            if (Math.abs(second(tr, k, index, 1) - d2y) > EXACT + 1e-6 * Math.abs(d2y)
                    || Math.abs(second(tr, k, index, 0)) > EXACT || Math.abs(second(tr, k, index, 2)) > EXACT) {
                last = k;
                break;
            }
        }
        if (last + 1 < MIN_FRAMES) {
            return Optional.empty();
        }
        return Optional.of(new FreeFall(last, -d2y * truth.height() / SceneSpec.WORLD));
    }

    /** Second difference at frame k of pose component c (0 = x, 1 = y, 2 = angle). */
    private static double second(Trajectory tr, int k, int i, int c) {
        return pose(tr, k + 1, i, c) - 2 * pose(tr, k, i, c) + pose(tr, k - 1, i, c);
    }

    private static double pose(Trajectory tr, int t, int i, int c) {
        return c == 0 ? tr.x(t, i) : c == 1 ? tr.y(t, i) : tr.angle(t, i);
    }

    /**
     * Least-squares fit of {@code y(t) = c0 + c1 t + c2 t^2} to the heights {@code ys[t]} of frames 0..F
     * (pixels, downwards; NaN where the object was not found) and returns the acceleration {@code 2 c2}, or NaN
     * when fewer than {@link #MIN_FRAMES} frames have a height. Solves the 3x3 normal equations
     * {@code sum_t [1 t t^2]^T [1 t t^2] c = sum_t [1 t t^2]^T y_t} by Cramer's rule.
     */
    public double fit(double[] ys) {
        double[] s = new double[5]; // sum of t^k, k = 0..4
        double[] r = new double[3]; // sum of y t^k, k = 0..2
        int n = 0;
        for (int t = 0; t <= lastFrame && t < ys.length; t++) {
            if (Double.isNaN(ys[t])) {
                continue;
            }
            double p = 1;
            for (int k = 0; k < 5; k++) {
                s[k] += p;
                if (k < 3) {
                    r[k] += ys[t] * p;
                }
                p *= t;
            }
            n++;
        }
        if (n < MIN_FRAMES) {
            return Double.NaN;
        }
        double[][] m = {{s[0], s[1], s[2]}, {s[1], s[2], s[3]}, {s[2], s[3], s[4]}};
        double det = det(m);
        if (Math.abs(det) < 1e-12) {
            return Double.NaN;
        }
        double[][] m2 = {{s[0], s[1], r[0]}, {s[1], s[2], r[1]}, {s[2], s[3], r[2]}}; // column of c2 replaced
        return 2 * det(m2) / det;
    }

    /** Relative error of a fitted acceleration against the simulator's, capped at 1; 1 when there is no fit. */
    public double error(double fitted) {
        return Double.isFinite(fitted) ? Math.min(1, Math.abs(fitted - acceleration) / acceleration) : 1;
    }

    private static double det(double[][] m) {
        return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
                - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    }
}
