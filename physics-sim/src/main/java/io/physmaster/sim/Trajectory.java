package io.physmaster.sim;

/**
 * Poses of every object at every frame time: {@code x(t, i)}, {@code y(t, i)} in metres, {@code angle(t, i)}
 * in radians; frame t is at time t / fps.
 */
public record Trajectory(int frames, int objects, double[] poses) {

    public double x(int t, int i) {
        return poses[(t * objects + i) * 3];
    }

    public double y(int t, int i) {
        return poses[(t * objects + i) * 3 + 1];
    }

    public double angle(int t, int i) {
        return poses[(t * objects + i) * 3 + 2];
    }
}
