package io.physmaster.sim.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * PISA metrics for one video: lower L2 and CD are better, higher IoU is better. {@code permanence} carries
 * the object-permanence and free-fall figures when they were measured too (the physics judge measures them),
 * and is null for the PISA metrics alone ({@link PhysicsMetrics#score}).
 */
public record MetricScores(double l2, double cd, double iou, PermanenceScores permanence) {

    /** The PISA metrics alone. */
    public MetricScores(double l2, double cd, double iou) {
        this(l2, cd, iou, null);
    }

    /** These PISA metrics with permanence figures attached. */
    public MetricScores withPermanence(PermanenceScores p) {
        return new MetricScores(l2, cd, iou, p);
    }

    /** Means of L2, CD and IoU; the permanence figures are averaged over the entries that have them. */
    public static MetricScores mean(List<MetricScores> all) {
        if (all.isEmpty()) {
            return new MetricScores(Double.NaN, Double.NaN, Double.NaN);
        }
        double l2 = 0;
        double cd = 0;
        double iou = 0;
        List<PermanenceScores> permanence = new ArrayList<>();
        for (MetricScores s : all) {
            l2 += s.l2;
            cd += s.cd;
            iou += s.iou;
            if (s.permanence != null) {
                permanence.add(s.permanence);
            }
        }
        return new MetricScores(l2 / all.size(), cd / all.size(), iou / all.size(),
                permanence.isEmpty() ? null : PermanenceScores.mean(permanence));
    }
}
