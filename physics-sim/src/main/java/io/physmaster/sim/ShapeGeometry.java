package io.physmaster.sim;

/** Local outlines of the shapes, shared by the physics bodies and the renderer so they match exactly. */
final class ShapeGeometry {

    static final double TRIANGLE_R = 1.25; // circumradius / size
    static final double PENTAGON_R = 1.08;

    /** Polygon vertices (CCW, centroid at the origin) as {xs, ys}; null for circles. */
    static double[][] polygon(ShapeKind kind, double size) {
        return switch (kind) {
            case CIRCLE -> null;
            case BOX -> new double[][] {{-size, size, size, -size}, {-size, -size, size, size}};
            case TRIANGLE -> regular(3, size * TRIANGLE_R);
            case PENTAGON -> regular(5, size * PENTAGON_R);
        };
    }

    private static double[][] regular(int n, double r) {
        double[] xs = new double[n];
        double[] ys = new double[n];
        for (int i = 0; i < n; i++) {
            double a = -Math.PI / 2 + Math.PI / n + 2 * Math.PI * i / n; // flat side down
            xs[i] = r * Math.cos(a);
            ys[i] = r * Math.sin(a);
        }
        return new double[][] {xs, ys};
    }

    private ShapeGeometry() {
    }
}
