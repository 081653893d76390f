package io.physmaster.sim.metrics;

import io.physmaster.sim.Renderer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** One object's pieces in a segmented frame, and how much of each pixel around them the object covers. */
final class Pieces {

    /** RGB distance from the background-object blend line up to which a pixel counts as such a blend. */
    private static final double BLEND = 0.15;

    /**
     * The object's pieces in the mask at {@code off}: its 8-connected components, {size, sum x, sum y} each;
     * {@code labels} gets piece k + 1 at its pixels, 0 elsewhere. A piece smaller than the largest that touches
     * another object is dropped (its pixels get label 0): on noisy frames the anti-aliased edge of an object of
     * the same hue in another shade reads as a few pixels of this one (a blend of the brighter shade with the
     * dark background looks like the darker shade), which is the segmenter's doubt, not a fragment.
     */
    static List<int[]> find(byte[] masks, int off, int h, int w, int id, int[] labels) {
        Arrays.fill(labels, 0);
        List<int[]> all = new ArrayList<>();
        List<Boolean> touching = new ArrayList<>();
        int[] stack = new int[h * w];
        for (int start = 0; start < h * w; start++) {
            if (masks[off + start] != id || labels[start] != 0) {
                continue;
            }
            int[] piece = new int[3];
            boolean touches = false;
            all.add(piece);
            int top = 0;
            stack[top++] = start;
            labels[start] = all.size();
            while (top > 0) {
                int p = stack[--top];
                piece[0]++;
                piece[1] += p % w;
                piece[2] += p / w;
                for (int yy = Math.max(0, p / w - 1); yy <= Math.min(h - 1, p / w + 1); yy++) {
                    for (int xx = Math.max(0, p % w - 1); xx <= Math.min(w - 1, p % w + 1); xx++) {
                        int q = yy * w + xx;
                        int other = masks[off + q];
                        if (other == id && labels[q] == 0) {
                            labels[q] = all.size();
                            stack[top++] = q;
                        }
                        touches |= other != id && other != 0;
                    }
                }
            }
            touching.add(touches);
        }
        int largest = 0;
        for (int[] piece : all) {
            largest = Math.max(largest, piece[0]);
        }
        int[] relabel = new int[all.size() + 1];
        List<int[]> kept = new ArrayList<>();
        for (int k = 0; k < all.size(); k++) {
            if (!(touching.get(k) && all.get(k)[0] < largest)) {
                kept.add(all.get(k));
                relabel[k + 1] = kept.size();
            }
        }
        for (int p = 0; p < h * w; p++) {
            labels[p] = relabel[labels[p]];
        }
        return kept;
    }

    /** Label (1-based) of the largest piece, 0 if there is none. */
    static int largest(List<int[]> pieces) {
        int best = 0;
        for (int k = 0; k < pieces.size(); k++) {
            if (best == 0 || pieces.get(k)[0] > pieces.get(best - 1)[0]) {
                best = k + 1;
            }
        }
        return best;
    }

    /** Label (1-based) of the piece of >= 2 px whose centroid is nearest to (x, y); 0 if none or (x, y) is NaN. */
    static int nearest(List<int[]> pieces, double x, double y) {
        int best = 0;
        double bestD = Double.MAX_VALUE;
        for (int k = 0; k < pieces.size(); k++) {
            int[] p = pieces.get(k);
            double d = sq((double) p[1] / p[0] - x) + sq((double) p[2] / p[0] - y);
            if (p[0] >= 2 && d < bestD) {
                bestD = d;
                best = k + 1;
            }
        }
        return Double.isNaN(x) ? 0 : best;
    }

    /**
     * The object's area and centroid height in frame t to a fraction of a pixel, {area, height}: pixels weigh
     * by the object's share of them, not all-or-nothing. At 32 px a mask gains or loses whole edge pixels as
     * the object moves across the pixel grid, which puts errors of a few tenths of a pixel on its centroid in
     * every frame (a free fall lasts about 6 frames, too few to average them out) and of up to 15 % on its
     * area; blur moves pixels across the segmenter's half-coverage threshold too, but keeps the colour mass.
     * Over piece {@code piece} (0: all pieces) and the unlabelled pixels next to it, a pixel p of colour g
     * explained as a blend of the object colour o with what lies behind it, the background or a surface
     * (B, the nearer of the two lines; off it by at most {@value #BLEND}, so noise passes and another object
     * does not), weighs
     * <pre>
     *   alpha_p = clamp( (g - B).(o - B) / |o - B|^2, 0, 1 )      area = sum alpha_p, height = sum alpha_p y_p / area
     * </pre>
     * which is the object's coverage of p as the renderer mixed it; an object pixel that is no such blend
     * (against another object) weighs 1. NaN height when nothing is covered.
     */
    static double[] coverage(float[] video, byte[] masks, int[] labels, int piece, int t, int h, int w, float[] o) {
        int plane = h * w;
        float[] g = new float[3];
        double sum = 0;
        double weight = 0;
        for (int p = 0; p < plane; p++) {
            boolean mine = piece == 0 ? labels[p] > 0 : labels[p] == piece;
            if (!mine && (masks[t * plane + p] != 0 || !near(labels, p, h, w, piece))) {
                continue;
            }
            for (int ch = 0; ch < 3; ch++) {
                g[ch] = video[(t * 3 + ch) * plane + p];
            }
            double[] bg = blend(g, BEHIND[0], o);
            double[] surface = blend(g, BEHIND[1], o);
            double[] best = bg[1] <= surface[1] ? bg : surface;
            double a = best[1] <= BLEND ? best[0] : mine ? 1 : 0;
            sum += a * (p / w);
            weight += a;
        }
        return new double[] {weight, weight == 0 ? Double.NaN : sum / weight};
    }

    /** What an object is seen against: the background and the surfaces. */
    private static final float[][] BEHIND = {Renderer.BACKGROUND.getRGBColorComponents(null),
            Renderer.SURFACE.getRGBColorComponents(null)};

    /** {alpha, distance}: g's share of o on the line b..o (clamped to [0, 1]) and g's distance from that point. */
    private static double[] blend(float[] g, float[] b, float[] o) {
        double dot = 0;
        double len2 = 0;
        for (int ch = 0; ch < 3; ch++) {
            dot += (g[ch] - b[ch]) * (o[ch] - b[ch]);
            len2 += sq(o[ch] - b[ch]);
        }
        double alpha = len2 < 1e-8 ? 1 : Math.max(0, Math.min(1, dot / len2));
        double off = 0;
        for (int ch = 0; ch < 3; ch++) {
            off += sq(g[ch] - b[ch] - alpha * (o[ch] - b[ch]));
        }
        return new double[] {alpha, Math.sqrt(off)};
    }

    /** True if a pixel within 1 px of p (3x3) carries {@code label} (0: any piece). */
    static boolean near(int[] labels, int p, int h, int w, int label) {
        int x = p % w;
        int y = p / w;
        for (int yy = Math.max(0, y - 1); yy <= Math.min(h - 1, y + 1); yy++) {
            for (int xx = Math.max(0, x - 1); xx <= Math.min(w - 1, x + 1); xx++) {
                int l = labels[yy * w + xx];
                if (label == 0 ? l > 0 : l == label) {
                    return true;
                }
            }
        }
        return false;
    }

    /** True if a pixel within 1 px of p (3x3) in the mask at {@code off} holds any object. */
    static boolean nearAnyObject(byte[] m, int off, int p, int h, int w) {
        int x = p % w;
        int y = p / w;
        for (int yy = Math.max(0, y - 1); yy <= Math.min(h - 1, y + 1); yy++) {
            for (int xx = Math.max(0, x - 1); xx <= Math.min(w - 1, x + 1); xx++) {
                if (m[off + yy * w + xx] > 0) {
                    return true;
                }
            }
        }
        return false;
    }

    private static double sq(double v) {
        return v * v;
    }

    private Pieces() {
    }
}
