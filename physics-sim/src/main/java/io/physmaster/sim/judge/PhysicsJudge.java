package io.physmaster.sim.judge;

import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.metrics.ColorSegmenter;
import io.physmaster.sim.metrics.MetricScores;
import io.physmaster.sim.metrics.PhysicsMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The automatic physics judge of the proxy task: scores generated videos of one first frame against the
 * simulator's ground truth and prefers the most physical. Score (lower is better) over the dropping objects:
 * {@code L2 + CD + (1 - IoU) / 4}, so position error dominates and shape overlap breaks ties.
 */
public final class PhysicsJudge {

    /** Judge id recorded as the annotator of its preference events. */
    public static final String ID = "physics-judge-v1";

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

    /** Score of one candidate [T][3][H][W] video against the ground truth (lower is better). */
    public MetricScores metrics(RenderedClip truth, float[] video) {
        byte[] masks = ColorSegmenter.forClip(truth).segment(video, truth.frames(), truth.height(), truth.width());
        return PhysicsMetrics.score(truth.masks(), masks, truth.frames(), truth.height(), truth.width(),
                PhysicsMetrics.ids(truth.dropping(), true), 1);
    }

    public static double score(MetricScores m) {
        return m.l2() + m.cd() + (1 - m.iou()) / 4;
    }

    /** Best versus worst of two or more candidates, or empty when they are too close to call. */
    public Optional<Verdict> judge(RenderedClip truth, List<float[]> candidates) {
        if (candidates.size() < 2) {
            throw new IllegalArgumentException("the judge needs two or more videos, got " + candidates.size());
        }
        int expected = truth.frames() * 3 * truth.height() * truth.width();
        double[] scores = new double[candidates.size()];
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            if (candidates.get(i).length != expected) {
                throw new IllegalArgumentException("candidate " + i + " has " + candidates.get(i).length
                        + " values; the scene's clip has " + expected);
            }
            scores[i] = score(metrics(truth, candidates.get(i)));
            order.add(i);
        }
        order.sort((a, b) -> Double.compare(scores[a], scores[b]));
        int best = order.get(0);
        int worst = order.get(order.size() - 1);
        double margin = scores[worst] - scores[best];
        if (margin < minMargin) {
            return Optional.empty();
        }
        // Confidence grows with the margin relative to the scores themselves: 0.5 at the threshold, -> 1.
        double confidence = Math.min(1.0, 0.5 + margin / (2 * (scores[worst] + 1e-6)));
        return Optional.of(new Verdict(best, worst, margin, confidence, scores));
    }
}
