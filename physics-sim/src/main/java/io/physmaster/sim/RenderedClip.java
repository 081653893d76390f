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

    /** Frame t as [3][H][W]. */
    public float[] frame(int t) {
        float[] f = new float[3 * height * width];
        System.arraycopy(video, t * f.length, f, 0, f.length);
        return f;
    }
}
