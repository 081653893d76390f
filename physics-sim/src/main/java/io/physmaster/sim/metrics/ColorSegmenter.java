package io.physmaster.sim.metrics;

import java.awt.Color;

/**
 * Finds the objects in a generated video by their colours. Generated frames have no masks, but the first
 * frame (given, so exact) tells each object's colour; every pixel of every frame is then labelled with the
 * nearest colour among the objects, the background and the surfaces, if it is near enough. Working on colour
 * distance rather than exact values makes it robust to blur, noise and anti-aliased edges.
 */
public final class ColorSegmenter {

    private final float[][] objectRgb;   // [N][3]
    private final float[][] otherRgb;    // background, surfaces
    private final float maxDistance;

    /**
     * @param objectColors colour of object i+1 (e.g. {@code RenderedClip.colors()})
     * @param otherColors  colours that are not objects (background, surfaces)
     * @param maxDistance  RGB distance in [0, sqrt(3)] beyond which a pixel is left unlabelled
     */
    public ColorSegmenter(Color[] objectColors, Color[] otherColors, double maxDistance) {
        this.objectRgb = rgb(objectColors);
        this.otherRgb = rgb(otherColors);
        this.maxDistance = (float) maxDistance;
    }

    /**
     * Learns the object colours from the first frame of a video and its exact first-frame mask: the median
     * colour of each object's interior pixels.
     */
    public static ColorSegmenter fromFirstFrame(float[] video, byte[] firstMask, int h, int w, int objects,
                                                Color[] otherColors) {
        Color[] colors = new Color[objects];
        int plane = h * w;
        for (int id = 1; id <= objects; id++) {
            java.util.List<float[]> px = new java.util.ArrayList<>();
            for (int p = 0; p < plane; p++) {
                if (firstMask[p] == id) {
                    px.add(new float[] {video[p], video[plane + p], video[2 * plane + p]});
                }
            }
            colors[id - 1] = px.isEmpty() ? Color.MAGENTA : new Color(median(px, 0), median(px, 1), median(px, 2));
        }
        return new ColorSegmenter(colors, otherColors, 0.35);
    }

    private static float median(java.util.List<float[]> px, int c) {
        float[] v = new float[px.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = px.get(i)[c];
        }
        java.util.Arrays.sort(v);
        return Math.max(0, Math.min(1, v[v.length / 2]));
    }

    /** Labels every pixel of a [T][3][H][W] video: [T][H][W] object ids, 0 for not-an-object. */
    public byte[] segment(float[] video, int frames, int h, int w) {
        int plane = h * w;
        byte[] out = new byte[frames * plane];
        for (int t = 0; t < frames; t++) {
            int base = t * 3 * plane;
            for (int p = 0; p < plane; p++) {
                float r = video[base + p];
                float g = video[base + plane + p];
                float b = video[base + 2 * plane + p];
                int best = 0;
                float bestD = maxDistance * maxDistance;
                for (float[] o : otherRgb) {
                    bestD = Math.min(bestD, d2(o, r, g, b));
                }
                for (int i = 0; i < objectRgb.length; i++) {
                    float d = d2(objectRgb[i], r, g, b);
                    if (d < bestD) {
                        bestD = d;
                        best = i + 1;
                    }
                }
                out[t * plane + p] = (byte) best;
            }
        }
        return out;
    }

    private static float d2(float[] c, float r, float g, float b) {
        float dr = c[0] - r;
        float dg = c[1] - g;
        float db = c[2] - b;
        return dr * dr + dg * dg + db * db;
    }

    private static float[][] rgb(Color[] colors) {
        float[][] out = new float[colors.length][];
        for (int i = 0; i < colors.length; i++) {
            out[i] = colors[i].getRGBColorComponents(null);
        }
        return out;
    }
}
