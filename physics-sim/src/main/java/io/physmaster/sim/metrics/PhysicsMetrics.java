package io.physmaster.sim.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * The PISA metrics on object masks, frames aligned by time, as PISA's evaluation code computes them. For each
 * object and frame t (masks [T][H][W], value = object id; centroid = mean pixel (x, y)):
 * <pre>
 *   L2  = ( |cx_gt - cx_gen| + |cy_gt - cy_gen| ) / 2 / sqrt(2) / H   (mean over both axes of |c_gt - c_gen|)
 *   CD  = ( mean_{p in gen} min_{q in gt} |p - q| + mean_{q in gt} min_{p in gen} |p - q| ) / sqrt(2) / H
 *   IoU = |gt AND gen| / |gt OR gen|, 1 when both are empty
 * </pre>
 * each averaged over frames, then over the objects in scope (dropping objects as in PISA, or all as
 * PhysMaster also reports). Our one deviation: a frame where the object is in one mask but not the other
 * scores L2 = CD = {@value #MISSING}. PISA's code gives a NaN centroid there (so L2 silently skips the frame,
 * rewarding a video that loses the object) and an infinite Chamfer distance. Frames where both are empty
 * are skipped for L2 and CD.
 */
public final class PhysicsMetrics {

    public static final double MISSING = 0.5;

    /**
     * Scores a generated mask video against ground truth for the given objects (ids 1..N).
     *
     * @param gt      [T][H][W] ground-truth object ids
     * @param gen     [T][H][W] object ids segmented from the generated video
     * @param objects which object ids to score
     * @param from    first frame to score (1 skips the given first frame, which every model copies)
     */
    public static MetricScores score(byte[] gt, byte[] gen, int frames, int h, int w, int[] objects, int from) {
        if (gt.length != frames * h * w || gen.length != gt.length) {
            throw new IllegalArgumentException("masks must both be " + frames + "x" + h + "x" + w + ", got "
                    + gt.length + " and " + gen.length + " values");
        }
        List<MetricScores> perObject = new ArrayList<>();
        for (int id : objects) {
            double l2 = 0;
            double cd = 0;
            int distFrames = 0;
            double iou = 0;
            int iouFrames = 0;
            for (int t = from; t < frames; t++) {
                int off = t * h * w;
                FrameMask a = FrameMask.of(gt, off, h, w, id);
                FrameMask b = FrameMask.of(gen, off, h, w, id);
                iou += iou(gt, gen, off, h * w, id);
                iouFrames++;
                if (a.count == 0 && b.count == 0) {
                    continue;
                }
                distFrames++;
                if (a.count == 0 || b.count == 0) {
                    l2 += MISSING;
                    cd += MISSING;
                    continue;
                }
                l2 += (Math.abs(a.cx - b.cx) + Math.abs(a.cy - b.cy)) / 2 / Math.sqrt(2) / h;
                cd += (a.meanNearest(b) + b.meanNearest(a)) / Math.sqrt(2) / h;
            }
            perObject.add(new MetricScores(distFrames == 0 ? 0 : l2 / distFrames, distFrames == 0 ? 0 : cd / distFrames,
                    iouFrames == 0 ? 1 : iou / iouFrames));
        }
        return MetricScores.mean(perObject);
    }

    /** Ids of the dropping objects (1-based), or of all objects. */
    public static int[] ids(boolean[] dropping, boolean onlyDropping) {
        return java.util.stream.IntStream.range(0, dropping.length)
                .filter(i -> !onlyDropping || dropping[i]).map(i -> i + 1).toArray();
    }

    static double iou(byte[] a, byte[] b, int off, int n, int id) {
        int inter = 0;
        int union = 0;
        for (int p = off; p < off + n; p++) {
            boolean x = a[p] == id;
            boolean y = b[p] == id;
            if (x && y) {
                inter++;
            }
            if (x || y) {
                union++;
            }
        }
        return union == 0 ? 1.0 : (double) inter / union;
    }

    /** Pixel centres of one object's mask in one frame. */
    static final class FrameMask {
        final int count;
        final int[] xs;
        final int[] ys;
        final double cx;
        final double cy;

        private FrameMask(int count, int[] xs, int[] ys) {
            this.count = count;
            this.xs = xs;
            this.ys = ys;
            double sx = 0;
            double sy = 0;
            for (int i = 0; i < count; i++) {
                sx += xs[i];
                sy += ys[i];
            }
            this.cx = count == 0 ? 0 : sx / count;
            this.cy = count == 0 ? 0 : sy / count;
        }

        static FrameMask of(byte[] m, int off, int h, int w, int id) {
            int n = 0;
            for (int p = 0; p < h * w; p++) {
                if (m[off + p] == id) {
                    n++;
                }
            }
            int[] xs = new int[n];
            int[] ys = new int[n];
            int k = 0;
            for (int p = 0; p < h * w; p++) {
                if (m[off + p] == id) {
                    xs[k] = p % w;
                    ys[k] = p / w;
                    k++;
                }
            }
            return new FrameMask(n, xs, ys);
        }

        /** Mean over this mask's pixels of the distance to the nearest pixel of {@code other}. */
        double meanNearest(FrameMask other) {
            double sum = 0;
            for (int i = 0; i < count; i++) {
                int best = Integer.MAX_VALUE;
                for (int j = 0; j < other.count; j++) {
                    int dx = xs[i] - other.xs[j];
                    int dy = ys[i] - other.ys[j];
                    best = Math.min(best, dx * dx + dy * dy);
                }
                sum += Math.sqrt(best);
            }
            return sum / count;
        }
    }

    private PhysicsMetrics() {
    }
}
