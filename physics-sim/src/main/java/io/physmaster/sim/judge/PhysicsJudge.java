package io.physmaster.sim.judge;

import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.metrics.ColorSegmenter;
import io.physmaster.sim.metrics.MetricScores;
import io.physmaster.sim.metrics.PermanenceMetrics;
import io.physmaster.sim.metrics.PermanenceScores;
import io.physmaster.sim.metrics.PhysicsMetrics;
import java.util.List;
import java.util.Optional;

/**
 * The automatic physics judge of the proxy task: scores generated videos of one first frame against the
 * simulator's ground truth and prefers the most physical. Score (lower is better), over the dropping objects:
 * <pre>
 *   score = L2 + CD + (1 - IoU) / 4                                  where the object is (PISA)
 *         + 0.75 areaChange + 0.25 (1 - onePiece) + 0.5 ghost        whether it stays one object
 *         + 0.5 colourShift + 0.1 gravityError                       ... of its colour, falling as it should
 * </pre>
 * (terms in {@link PermanenceMetrics}). The PISA terms alone reward speckle: every pixel of the object's
 * colour counts, so an object shattered into specks around the right centroid keeps a small L2 and CD. The
 * weights make a break-up (0.25 for a video that is never one piece, plus the fall its largest piece no longer
 * makes, up to 0.1) cost more than being a couple of pixels off (about 0.2 in the PISA terms at 2 px), and
 * charge an area change in both directions, so growing the object to win IoU does not pay (x1.3 area costs
 * about 0.22, more than its IoU gain when off target). A ghost copy left at the start costs up to 0.5.
 * Scores without permanence figures (PISA metrics alone) are scored on the PISA terms.
 *
 * <p>Permanence first (v3): of two or more candidates the judge prefers the lowest score over the highest only
 * among pairs where the preferred video is at least as whole ({@link #brokenness} no larger beyond {@link #NOISE}). With the weights alone,
 * a video a little better placed but more broken could still win, and Flow-DPO on such pairs traded permanence
 * for L2 (Stage III v3: L2 -22 %, area change +21.5 pt; docs/results/model-v3.md). Now no pair teaches that trade:
 * the pair with the largest score gap among those that respect permanence is the verdict.
 *
 * <p>Confidence: the probability that the preferred video would still win if the scene were rendered again
 * with different blur and noise, {@code Phi(margin / NOISE) ~ 1 / (1 + exp(-1.702 margin / NOISE))}: 0.5 at
 * margin 0 (a coin flip), 0.84 at one NOISE, 0.98 at two. {@link #NOISE} is the measured spread of the score
 * between two perturbed renderings of one truth ({@link JudgeNoise}, docs/results/judge.md).
 */
public final class PhysicsJudge {

    /** Judge id recorded as the annotator of its preference events. */
    public static final String ID = "physics-judge-v3";

    /**
     * RMS difference of the score between two renderings of one truth with the judge's perturbation (blur
     * share 0.5, noise sigma 0.03) and two noise seeds: 0.029 over 128 scenes (64 seen-test, 64 unseen-test),
     * measured with {@link JudgeNoise}. Both videos of a pair come from one generator, so they share its blur;
     * a difference in sharpness alone moves the score more (0.13 RMS between blur 0.3 / sigma 0.02 and
     * 0.7 / 0.04), which this confidence does not cover.
     */
    public static final double NOISE = 0.029;

    static final double AREA = 0.75;
    static final double PIECES = 0.25;
    static final double GHOST = 0.5;
    static final double COLOUR = 0.5;
    static final double GRAVITY = 0.1;

    private final double minMargin;

    /** @param minMargin smallest score gap for a preference; closer videos get none (default 0.01) */
    public PhysicsJudge(double minMargin) {
        this.minMargin = minMargin;
    }

    public PhysicsJudge() {
        this(0.01);
    }

    /** A preference: candidate {@code preferred} beats {@code rejected} by {@code margin} in score. */
    public record Verdict(int preferred, int rejected, double margin, double confidence, double[] scores) {
    }

    /**
     * The metrics of one candidate [T][3][H][W] video against the ground truth: PISA L2/CD/IoU over frames 1..
     * of the dropping objects, with their permanence figures attached.
     */
    public MetricScores metrics(RenderedClip truth, float[] video) {
        byte[] masks = ColorSegmenter.forClip(truth).segment(video, truth.frames(), truth.height(), truth.width());
        return PhysicsMetrics.score(truth.masks(), masks, truth.frames(), truth.height(), truth.width(),
                        PhysicsMetrics.ids(truth.dropping(), true), 1)
                .withPermanence(PermanenceMetrics.score(truth, video, masks));
    }

    /** The judge's score of metrics (lower is better). */
    public static double score(MetricScores m) {
        double pisa = m.l2() + m.cd() + (1 - m.iou()) / 4;
        return m.permanence() == null ? pisa : pisa + penalty(m.permanence());
    }

    /** The permanence part of the score; a missing gravity figure (no fall in the truth) costs nothing. */
    public static double penalty(PermanenceScores p) {
        double gravity = Double.isNaN(p.gravityError()) ? 0 : p.gravityError();
        return brokenness(p) + GRAVITY * gravity;
    }

    /**
     * How far the object is from staying one whole object of its colour: the permanence terms of the score
     * without gravity (how it moves is the other terms' business; a frozen object is whole).
     */
    public static double brokenness(PermanenceScores p) {
        return AREA * p.areaChange() + PIECES * (1 - p.onePiece()) + GHOST * p.ghost() + COLOUR * p.colourShift();
    }

    /** Probability that a preference by this margin survives re-rendering noise: 0.5 at 0, towards 1. */
    public static double confidence(double margin) {
        return 1 / (1 + Math.exp(-1.702 * Math.max(0, margin) / NOISE));
    }

    /**
     * Of two or more candidates, the pair with the largest score gap whose preferred video is at least as whole
     * as the rejected one (within {@link #NOISE}); empty when no such pair is {@code minMargin} apart.
     */
    public Optional<Verdict> judge(RenderedClip truth, List<float[]> candidates) {
        if (candidates.size() < 2) {
            throw new IllegalArgumentException("the judge needs two or more videos, got " + candidates.size());
        }
        int expected = truth.frames() * 3 * truth.height() * truth.width();
        double[] scores = new double[candidates.size()];
        double[] brokenness = new double[candidates.size()];
        for (int i = 0; i < candidates.size(); i++) {
            if (candidates.get(i).length != expected) {
                throw new IllegalArgumentException("candidate " + i + " has " + candidates.get(i).length
                        + " values; the scene's clip has " + expected);
            }
            MetricScores m = metrics(truth, candidates.get(i));
            scores[i] = score(m);
            brokenness[i] = m.permanence() == null ? 0 : brokenness(m.permanence());
        }
        int[] pair = pair(scores, brokenness);
        if (pair == null || scores[pair[1]] - scores[pair[0]] < minMargin) {
            return Optional.empty();
        }
        int best = pair[0];
        int worst = pair[1];
        double margin = scores[worst] - scores[best];
        return Optional.of(new Verdict(best, worst, margin, confidence(margin), scores));
    }

    /**
     * {preferred, rejected}: the largest score gap (lower score preferred) among pairs whose preferred video is no
     * more broken beyond the judge's noise; null when every lower-scored video is the more broken one.
     */
    static int[] pair(double[] scores, double[] brokenness) {
        int[] best = null;
        double gap = 0;
        for (int i = 0; i < scores.length; i++) {
            for (int j = 0; j < scores.length; j++) {
                if (brokenness[i] <= brokenness[j] + NOISE && scores[j] - scores[i] > gap) {
                    best = new int[] {i, j};
                    gap = scores[j] - scores[i];
                }
            }
        }
        return best;
    }
}
