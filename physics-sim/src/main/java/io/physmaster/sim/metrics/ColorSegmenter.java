package io.physmaster.sim.metrics;

import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Renderer;
import java.awt.Color;
import java.util.HashMap;
import java.util.Map;

/**
 * Finds the objects in a generated video by their colours. Generated frames have no masks, but the first
 * frame (given, so exact) tells each object's colour.
 *
 * <p>Why unmixing: at 32 px most object pixels are edge pixels, whose colour is a blend
 * {@code alpha * a + (1 - alpha) * b} of two pure colours (object/background, object/surface, object/object);
 * blur in a generated video makes more of them. Nearest-colour labelling gets these wrong. Instead each pixel
 * p is explained by the pure colour or the two-colour blend closest to it:
 * <pre>
 *   for every pair (a, b) of pure colours:  alpha* = clamp( (p - a).(b - a) / |b - a|^2, 0, 1 )
 *                                           residual = | p - (a + alpha* (b - a)) |
 *   take the pair with the smallest residual; the pixel belongs to b if alpha* > 1/2, else to a
 * </pre>
 * which is the renderer's own rule (a pixel belongs to what covers most of it), read back from colour; an
 * even split (alpha* within 1/64 of 1/2) goes the renderer's way too: background, then objects by id, then
 * surfaces. A residual above {@code maxDistance} (a colour that is no blend of known colours) leaves the pixel unlabelled.
 */
public final class ColorSegmenter {

    private final float[][] pure;   // [K][3] object colours first, then non-object colours
    private final int[] label;      // [K] object id 1..N, or 0 for background / surfaces
    private final int[] tieRank;    // [K] who wins a half-half pixel: the renderer's rule, lower wins
    private final float maxDistance;
    /** Renders mix 16 samples per pixel, so shares are multiples of 1/16; closer than this to 1/2 is a tie. */
    private static final float TIE = 1 / 64f;
    /**
     * Added to a blend's squared residual: a blend has one more free parameter than a pure colour, so it
     * always fits noise a little better; without this cost, noisy interior pixels of one shade get read as
     * a blend of two other shades of the same hue (they lie on one line through black).
     */
    private static final float BLEND_COST = 0.003f;

    /**
     * @param objectColors colour of object i+1 (e.g. {@code RenderedClip.colors()})
     * @param otherColors  colours that are not objects (background, surfaces)
     * @param maxDistance  RGB residual in [0, sqrt(3)] beyond which a pixel is left unlabelled
     */
    public ColorSegmenter(Color[] objectColors, Color[] otherColors, double maxDistance) {
        if (objectColors.length == 0 || objectColors.length > 127) {
            throw new IllegalArgumentException("need 1..127 object colours, got " + objectColors.length);
        }
        int k = objectColors.length + otherColors.length;
        pure = new float[k][];
        label = new int[k];
        tieRank = new int[k];
        for (int i = 0; i < objectColors.length; i++) {
            pure[i] = objectColors[i].getRGBColorComponents(null);
            label[i] = i + 1;
            tieRank[i] = i + 1;
        }
        for (int i = 0; i < otherColors.length; i++) {
            pure[objectColors.length + i] = otherColors[i].getRGBColorComponents(null);
            // The renderer gives an 8-of-16-samples pixel to the background before any object, and to an
            // object before a surface.
            tieRank[objectColors.length + i] = otherColors[i].equals(Renderer.BACKGROUND) ? 0 : Integer.MAX_VALUE;
        }
        this.maxDistance = (float) maxDistance;
    }

    /** For videos of a simulated scene: the object colours learned from its exact first frame. */
    public static ColorSegmenter forClip(RenderedClip truth) {
        return fromFirstFrame(truth.video(), truth.masks(), truth.height(), truth.width(), truth.objectCount(),
                Renderer.nonObjectColors());
    }

    /**
     * Learns the object colours from the first frame of a video and its first-frame mask. An object's colour
     * is the mean of its most common colour (5 bits per channel): interior pixels, which carry the pure
     * colour, outnumber any one blend on the edge. Objects hidden in the first frame get magenta, which
     * nothing matches.
     */
    public static ColorSegmenter fromFirstFrame(float[] video, byte[] firstMask, int h, int w, int objects,
                                                Color[] otherColors) {
        int plane = h * w;
        if (video.length < 3 * plane || firstMask.length < plane) {
            throw new IllegalArgumentException("first frame needs 3x" + h + "x" + w + " values and a " + h + "x" + w
                    + " mask, got " + video.length + " and " + firstMask.length);
        }
        Color[] colors = new Color[objects];
        for (int id = 1; id <= objects; id++) {
            Map<Integer, float[]> bins = new HashMap<>(); // quantised colour -> {r, g, b sums, count}
            for (int p = 0; p < plane; p++) {
                if (firstMask[p] == id) {
                    float r = video[p];
                    float g = video[plane + p];
                    float b = video[2 * plane + p];
                    int key = (q5(r) << 10) | (q5(g) << 5) | q5(b);
                    float[] s = bins.computeIfAbsent(key, x -> new float[4]);
                    s[0] += r;
                    s[1] += g;
                    s[2] += b;
                    s[3]++;
                }
            }
            float[] mode = bins.values().stream().max((x, y) -> Float.compare(x[3], y[3])).orElse(null);
            colors[id - 1] = mode == null ? Color.MAGENTA
                    : new Color(unit(mode[0] / mode[3]), unit(mode[1] / mode[3]), unit(mode[2] / mode[3]));
        }
        return new ColorSegmenter(colors, otherColors, 0.35);
    }

    /** Labels every pixel of a [T][3][H][W] video: [T][H][W] object ids, 0 for not-an-object. */
    public byte[] segment(float[] video, int frames, int h, int w) {
        int plane = h * w;
        if (video.length != frames * 3 * plane) {
            throw new IllegalArgumentException("video must be " + frames + "x3x" + h + "x" + w + " = "
                    + frames * 3 * plane + " values, got " + video.length);
        }
        byte[] out = new byte[frames * plane];
        float limit = maxDistance * maxDistance;
        for (int t = 0; t < frames; t++) {
            int base = t * 3 * plane;
            for (int p = 0; p < plane; p++) {
                float r = video[base + p];
                float g = video[base + plane + p];
                float b = video[base + 2 * plane + p];
                out[t * plane + p] = (byte) classify(r, g, b, limit);
            }
        }
        return out;
    }

    /** The label of the pure colour or two-colour blend nearest to (r, g, b), or 0 if none is within reach. */
    private int classify(float r, float g, float b, float limit) {
        float best = Float.MAX_VALUE;
        int bestLabel = 0;
        for (int i = 0; i < pure.length; i++) {
            float[] a = pure[i];
            float pr = r - a[0];
            float pg = g - a[1];
            float pb = b - a[2];
            float d0 = pr * pr + pg * pg + pb * pb; // the pure colour itself
            if (d0 < best) {
                best = d0;
                bestLabel = label[i];
            }
            for (int j = i + 1; j < pure.length; j++) {
                float[] c = pure[j];
                float dr = c[0] - a[0];
                float dg = c[1] - a[1];
                float db = c[2] - a[2];
                float len2 = dr * dr + dg * dg + db * db;
                if (len2 < 1e-8f) {
                    continue;
                }
                float alpha = Math.max(0, Math.min(1, (pr * dr + pg * dg + pb * db) / len2)); // share of colour j
                float er = pr - alpha * dr;
                float eg = pg - alpha * dg;
                float eb = pb - alpha * db;
                float d = er * er + eg * eg + eb * eb + BLEND_COST;
                if (d < best) {
                    best = d;
                    if (Math.abs(alpha - 0.5f) < TIE) {
                        bestLabel = tieRank[i] <= tieRank[j] ? label[i] : label[j];
                    } else {
                        bestLabel = alpha > 0.5f ? label[j] : label[i];
                    }
                }
            }
        }
        return best <= limit ? bestLabel : 0;
    }

    private static int q5(float v) {
        return Math.max(0, Math.min(31, (int) (v * 31.999f)));
    }

    private static float unit(float v) {
        return Math.max(0, Math.min(1, v));
    }
}
