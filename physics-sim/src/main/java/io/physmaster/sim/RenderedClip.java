package io.physmaster.sim;

import java.awt.Color;

/**
 * A simulated, rendered clip with its ground truth. Arrays are row-major float32/byte.
 *
 * @param scene       the scene it shows
 * @param frames      T
 * @param height      H
 * @param width       W
 * @param video       [T][3][H][W] RGB in [0, 1], anti-aliased
 * @param masks       [T][H][W] visible object id 1..N, 0 = background and surfaces (exact, not anti-aliased)
 * @param dropping    [N] true for objects that start at rest in mid-air
 * @param colors      [N] the colour each object is drawn in
 * @param materialMap [H][W] of frame 0: material class 1..M of the object seen there, 0 elsewhere
 * @param heightMap   [H][W] of frame 0: height above the floor of the surface seen there, / world size; 0 for background
 * @param surfaceMap  [H][W] of frame 0: 1 where a static surface is drawn
 * @param trajectory  object poses per frame (world metres)
 */
public record RenderedClip(SceneSpec scene, int frames, int height, int width, float[] video, byte[] masks,
                           boolean[] dropping, Color[] colors, byte[] materialMap, float[] heightMap,
                           byte[] surfaceMap, Trajectory trajectory) {

    public int objectCount() {
        return dropping.length;
    }

    /**
     * Exact mask centroids, [T][N][2] flattened: (x, y) in pixels of object i+1 at frame t, pixel centres at
     * integer coordinates (as PISA computes them); NaN while an object is hidden.
     */
    public double[] centroids() {
        int n = objectCount();
        int plane = height * width;
        double[] sums = new double[frames * n * 3]; // x sum, y sum, count
        for (int t = 0; t < frames; t++) {
            for (int p = 0; p < plane; p++) {
                int id = masks[t * plane + p];
                if (id > 0) {
                    int k = (t * n + id - 1) * 3;
                    sums[k] += p % width;
                    sums[k + 1] += p / width;
                    sums[k + 2]++;
                }
            }
        }
        double[] out = new double[frames * n * 2];
        for (int k = 0; k < frames * n; k++) {
            double count = sums[3 * k + 2];
            out[2 * k] = count == 0 ? Double.NaN : sums[3 * k] / count;
            out[2 * k + 1] = count == 0 ? Double.NaN : sums[3 * k + 1] / count;
        }
        return out;
    }

    /** The "static" video: every frame replaced by the first, so nothing moves. */
    public float[] frozenVideo() {
        float[] v = video.clone();
        int f = 3 * height * width;
        for (int t = 1; t < frames; t++) {
            System.arraycopy(video, 0, v, t * f, f);
        }
        return v;
    }

    /** Frame t as [3][H][W]. */
    public float[] frame(int t) {
        float[] f = new float[3 * height * width];
        System.arraycopy(video, t * f.length, f, 0, f.length);
        return f;
    }
}
