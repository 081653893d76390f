package io.physmaster.sim.metrics;

/** PISA metrics for one video: lower L2 and CD are better, higher IoU is better. */
public record MetricScores(double l2, double cd, double iou) {

    public static MetricScores mean(java.util.List<MetricScores> all) {
        if (all.isEmpty()) {
            return new MetricScores(Double.NaN, Double.NaN, Double.NaN);
        }
        double l2 = 0;
        double cd = 0;
        double iou = 0;
        for (MetricScores s : all) {
            l2 += s.l2;
            cd += s.cd;
            iou += s.iou;
        }
        return new MetricScores(l2 / all.size(), cd / all.size(), iou / all.size());
    }
}
