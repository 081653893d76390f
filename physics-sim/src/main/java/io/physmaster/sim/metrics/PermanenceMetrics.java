package io.physmaster.sim.metrics;

import io.physmaster.sim.RenderedClip;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Does a generated video keep each dropping object whole, at its size and colour, leave nothing behind where it
 * started, and let it fall with the simulator's gravity? The PISA metrics cannot tell: they compare the centroid
 * and the mask of every pixel of the object's colour, so an object shattered into specks around the right
 * centroid scores well. Per dropping object, on the masks {@link ColorSegmenter} reads from the video, split
 * into pieces ({@link Pieces#find}), over frames 1.. (frame 0 is given), with {@code A} the object's true area
 * (the median over the truth's frames of its covered area, {@link Pieces#coverage}, on the clean render):
 * <pre>
 *   V           = { t >= 1 : truth area_t >= 3/4 A }   frames where the truth shows the whole object (not
 *                                                      cropped by the frame edge or covered)
 *   areaChange  = median over t in V of | a_t / A - 1 |  a_t = the video's covered area of the object's pieces;
 *                                                        symmetric, so growing (to win IoU) costs like shrinking
 *   onePiece    = share of t in V with exactly one piece of >= 2 px (single pixels are noise: a noisy truth
 *                 has them; no piece, a vanished object, is not one piece)
 *   ghost       = see {@link #ghost}
 *   colourShift = mean over t in V with a piece of | mean RGB of the pieces at t - mean RGB of those at 0 |
 *   gravity     = 2 c2 of a least-squares y = c0 + c1 t + c2 t^2 through the largest piece's centroid height
 *                 over the truth's free fall ({@link FreeFall}), against the simulator's acceleration
 * </pre>
 * Covered area, not pixel count: the true size is a median over frames and not frame 0's count because at 32 px
 * an object of 20 px gains or loses a few pixels as it crosses the pixel grid and turns (up to 15 %), and one
 * frame's count would offset every frame; covered area also stays put under blur, which moves edge pixels
 * across the segmenter's half-coverage line. The colour compares means, not pixels: most object pixels are
 * anti-aliased edges, blends with what is behind, so per-pixel distances to the pure colour are large even for
 * the truth; a mean over the pieces has the same edge share in every frame while the object keeps its shape, and
 * noise averages out. Frame 0 of the same video is the reference, so the video's own blur or noise is no shift.
 */
public final class PermanenceMetrics {

    /** RGB distance absorbed as noise in the ghost test (the judge's perturbation, sigma 0.03 per channel,
     *  exceeds it in about 1 % of pixels). */
    static final double TAU = 0.1;

    /** Scores the dropping objects of {@code video} (segmented here) and averages them. */
    public static PermanenceScores score(RenderedClip truth, float[] video) {
        byte[] masks = ColorSegmenter.forClip(truth).segment(video, truth.frames(), truth.height(), truth.width());
        return score(truth, video, masks);
    }

    /** As {@link #score(RenderedClip, float[])} with the video's masks ([T][H][W] object ids) already made. */
    public static PermanenceScores score(RenderedClip truth, float[] video, byte[] masks) {
        int plane = truth.height() * truth.width();
        if (video.length != truth.frames() * 3 * plane || masks.length != truth.frames() * plane) {
            throw new IllegalArgumentException("video and masks must be " + truth.frames() + "x3x" + truth.height()
                    + "x" + truth.width() + " and " + truth.frames() + "x" + truth.height() + "x" + truth.width()
                    + ", got " + video.length + " and " + masks.length + " values");
        }
        List<PermanenceScores> all = new ArrayList<>();
        for (int id : PhysicsMetrics.ids(truth.dropping(), true)) {
            all.add(object(truth, video, masks, id));
        }
        return PermanenceScores.mean(all);
    }

    /** The scores of object {@code id} (1-based). */
    public static PermanenceScores object(RenderedClip truth, float[] video, byte[] masks, int id) {
        int h = truth.height();
        int w = truth.width();
        int plane = h * w;
        float[] o = truth.colors()[id - 1].getRGBColorComponents(null);
        double[] truthAreas = truthAreas(truth, id, o);
        double size = median(Arrays.stream(truthAreas).filter(a -> a > 0).boxed().toList());
        double[] truthCentroids = truth.centroids();
        int n = truth.objectCount();
        int[] labels = new int[plane];
        List<int[]> pieces = Pieces.find(masks, 0, h, w, id, labels);
        double[] ref = meanColour(video, labels, 0, plane);
        if (ref == null) { // the video lost the object in the given frame: take the truth's
            int[] truthLabels = new int[plane];
            Pieces.find(truth.masks(), 0, h, w, id, truthLabels);
            ref = meanColour(truth.video(), truthLabels, 0, plane);
        }
        List<Double> areaChanges = new ArrayList<>();
        int whole = 0;
        double colour = 0;
        int coloured = 0;
        double[] heights = new double[truth.frames()];
        double ghostSum = 0;
        int ghostCount = 0;
        for (int t = 0; t < truth.frames(); t++) {
            if (t > 0) {
                pieces = Pieces.find(masks, t * plane, h, w, id, labels);
            }
            heights[t] = Pieces.coverage(video, masks, labels, Pieces.largest(pieces), t, h, w, o)[1];
            if (t == 0) {
                continue;
            }
            if (size > 0 && truthAreas[t] >= 0.75 * size) {
                double area = Pieces.coverage(video, masks, labels, 0, t, h, w, o)[0];
                areaChanges.add(Math.abs(area / size - 1));
                whole += pieces.stream().filter(p -> p[0] >= 2).count() == 1 ? 1 : 0;
                double[] c = meanColour(video, labels, t, plane);
                if (c != null && ref != null) {
                    colour += Math.sqrt(sq(c[0] - ref[0]) + sq(c[1] - ref[1]) + sq(c[2] - ref[2]));
                    coloured++;
                }
            }
            int k = 2 * (t * n + id - 1);
            double[] g = ghost(truth, video, labels, Pieces.nearest(pieces, truthCentroids[k], truthCentroids[k + 1]),
                    t, id);
            ghostSum += g[0];
            ghostCount += (int) g[1];
        }
        double areaChange = areaChanges.isEmpty() ? 0 : median(areaChanges);
        double onePiece = areaChanges.isEmpty() ? 1 : (double) whole / areaChanges.size();
        double ghost = ghostCount == 0 ? 0 : ghostSum / ghostCount;
        double colourShift = coloured == 0 ? 0 : colour / coloured;
        Optional<FreeFall> fall = FreeFall.of(truth, id - 1);
        if (fall.isEmpty()) {
            return PermanenceScores.withoutFall(areaChange, onePiece, ghost, colourShift);
        }
        double accel = fall.get().fit(heights);
        double error = fall.get().error(accel);
        return new PermanenceScores(areaChange, onePiece, ghost, colourShift, accel, error,
                error <= PermanenceScores.GRAVITY_TOLERANCE ? 1 : 0, 1);
    }

    /**
     * Residue left where the object started, in frame t: {sum, count} over the pixels p of the object's exact
     * frame-0 mask that, in the truth's frame t, have no object within 1 px (so the truth shows background or a
     * surface there, and neither blur nor anti-aliasing of the truly moved object reaches p), and that are not
     * within 1 px of the video's own piece of the object ({@code own}: the piece nearest to where the truth has
     * it; a lagging object is a dynamics error that L2 already scores, not a ghost). Per pixel, with g the
     * video's colour, b the truth's colour there and o the object's colour:
     * <pre>
     *   residue = 0 if |g - b| <= TAU, else min(1, |g - b| / |o - b|)
     * </pre>
     * Any departure from what the truth shows counts (an object-coloured copy, a darkened shadow of it), scaled
     * by the object's contrast there, so a full copy left behind is 1 whatever the colours, a faint ghost is a
     * fraction, and noise below TAU is nothing. Pixels where the object hardly stands out from the scene
     * ({@code |o - b| < 2 TAU}) cannot show a ghost and are skipped. The segmenter's masks are no help here:
     * a dark, half-transparent copy is closer to the background than to the object and is labelled background.
     */
    private static double[] ghost(RenderedClip truth, float[] video, int[] labels, int own, int t, int id) {
        int h = truth.height();
        int w = truth.width();
        int plane = h * w;
        float[] o = truth.colors()[id - 1].getRGBColorComponents(null);
        double sum = 0;
        int count = 0;
        for (int p = 0; p < plane; p++) {
            if (truth.masks()[p] != id || Pieces.nearAnyObject(truth.masks(), t * plane, p, h, w)
                    || (own > 0 && Pieces.near(labels, p, h, w, own))) {
                continue;
            }
            double gb = 0;
            double ob = 0;
            for (int ch = 0; ch < 3; ch++) {
                int i = (t * 3 + ch) * plane + p;
                gb += sq(video[i] - truth.video()[i]);
                ob += sq(o[ch] - truth.video()[i]);
            }
            gb = Math.sqrt(gb);
            ob = Math.sqrt(ob);
            if (ob < 2 * TAU) {
                continue;
            }
            sum += gb <= TAU ? 0 : Math.min(1, gb / ob);
            count++;
        }
        return new double[] {sum, count};
    }

    /** The object's covered area in each frame of the truth's clean render (0 where it is not seen). */
    private static double[] truthAreas(RenderedClip truth, int id, float[] o) {
        int h = truth.height();
        int w = truth.width();
        int[] labels = new int[h * w];
        double[] areas = new double[truth.frames()];
        for (int t = 0; t < truth.frames(); t++) {
            Pieces.find(truth.masks(), t * h * w, h, w, id, labels);
            areas[t] = Pieces.coverage(truth.video(), truth.masks(), labels, 0, t, h, w, o)[0];
        }
        return areas;
    }

    /** Mean RGB over the labelled pixels (the object's pieces) in frame t, or null when there are none. */
    private static double[] meanColour(float[] video, int[] labels, int t, int plane) {
        double[] s = new double[3];
        int n = 0;
        for (int p = 0; p < plane; p++) {
            if (labels[p] > 0) {
                for (int ch = 0; ch < 3; ch++) {
                    s[ch] += video[(t * 3 + ch) * plane + p];
                }
                n++;
            }
        }
        return n == 0 ? null : new double[] {s[0] / n, s[1] / n, s[2] / n};
    }

    private static double median(List<Double> xs) {
        if (xs.isEmpty()) {
            return 0;
        }
        double[] v = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static double sq(double v) {
        return v * v;
    }

    private PermanenceMetrics() {
    }
}
