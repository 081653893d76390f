package io.physmaster.sim;

/**
 * A static surface: a floor, a ledge (a box) or a ramp (a right triangle), as a convex polygon in world
 * metres, vertices counter-clockwise.
 */
public record SurfaceSpec(String kind, double[] xs, double[] ys) {

    public static SurfaceSpec box(String kind, double x0, double y0, double x1, double y1) {
        return new SurfaceSpec(kind, new double[] {x0, x1, x1, x0}, new double[] {y0, y0, y1, y1});
    }

    /** Top height of the surface at its widest point (for placing resting objects on ledges). */
    public double top() {
        double t = Double.NEGATIVE_INFINITY;
        for (double y : ys) {
            t = Math.max(t, y);
        }
        return t;
    }
}
