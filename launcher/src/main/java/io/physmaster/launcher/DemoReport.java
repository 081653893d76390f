package io.physmaster.launcher;

import ai.djl.ndarray.NDManager;
import io.physmaster.blob.BlobStore;
import io.physmaster.encoder.ServedEncoder;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.sim.judge.PhysicsJudge;
import io.physmaster.sim.metrics.MetricScores;
import io.physmaster.sim.metrics.PairedBootstrap;
import io.physmaster.trainer.Gate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The demo's verdict: every published encoder version scored on the same held-out scenes and seeds as the
 * base, and the change of the judge score against the base with a 95 % interval from a paired bootstrap over
 * scenes. "Improved" means the interval lies below zero, not merely a lower mean.
 */
final class DemoReport {

    /** One version's held-out figures; {@code change}: judge score against the base (null for the base). */
    record Row(String version, MetricScores mean, PairedBootstrap.Interval change) {
    }

    /** The report's seen-test scenes start here: apart from the gate's ({@link Gate#FIRST_SCENE}). */
    static final long REPORT_SCENES = 100_000;

    private final List<Row> rows = new ArrayList<>();

    static DemoReport evaluate(Path model, String baseVersion, List<EncoderVersion> versions, BlobStore blobs,
                               int scenes, int steps) throws IOException {
        DemoReport report = new DemoReport();
        Gate eval = new Gate(REPORT_SCENES, scenes, steps);
        try (NDManager m = NDManager.newBaseManager()) {
            List<MetricScores> baseScores = eval.metrics(ServedEncoder.load(model, null, baseVersion, blobs, m), m);
            double[] base = judgeScores(baseScores);
            report.rows.add(new Row(baseVersion, MetricScores.mean(baseScores), null));
            for (EncoderVersion v : versions) {
                if (v.getVersion().equals(baseVersion)) {
                    continue;
                }
                List<MetricScores> s;
                try (NDManager vm = m.newSubManager()) {
                    s = eval.metrics(ServedEncoder.load(model, v, baseVersion, blobs, vm), vm);
                }
                report.rows.add(new Row(v.getVersion(), MetricScores.mean(s),
                        PairedBootstrap.relativeChange(base, judgeScores(s), 1)));
            }
        }
        return report;
    }

    private static double[] judgeScores(List<MetricScores> s) {
        return s.stream().mapToDouble(PhysicsJudge::score).toArray();
    }

    List<Row> rows() {
        return rows;
    }

    /** The newest version's change, or null when none was published. */
    PairedBootstrap.Interval newestChange() {
        return rows.size() < 2 ? null : rows.get(rows.size() - 1).change();
    }

    boolean improved() {
        PairedBootstrap.Interval c = newestChange();
        return c != null && c.decreased();
    }

    List<MetricsPlot.Point> points() {
        return rows.stream().map(r -> new MetricsPlot.Point(r.version(), r.mean().l2(), r.mean().cd(),
                r.mean().iou())).toList();
    }

    String markdown(String header, int scenes) {
        StringBuilder md = new StringBuilder("# PhysMaster closed-loop demo\n\n").append(header).append("\n\n");
        md.append("Held-out seen-test scenes (").append(scenes).append("), dropping objects, one sample each; judge ")
                .append("score change against the base with its 95 % interval (paired bootstrap over scenes):\n\n");
        md.append("| # | encoder version | L2 | CD | IoU | judge score vs base |\n|---|---|---|---|---|---|\n");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            md.append(String.format(Locale.ROOT, "| %d | %s | %.4f | %.4f | %.3f | %s |%n", i, r.version(),
                    r.mean().l2(), r.mean().cd(), r.mean().iou(), r.change() == null ? "-" : r.change()));
        }
        PairedBootstrap.Interval c = newestChange();
        md.append("\n").append(c == null ? "No encoder version was published: nothing to compare.\n"
                : c.decreased() ? "The newest version is better than the base beyond noise: judge score " + c + ".\n"
                : c.increased() ? "The newest version is WORSE than the base beyond noise: judge score " + c + ".\n"
                : "No change beyond noise: judge score " + c + " (the interval includes zero).\n");
        return md.toString();
    }

    Path write(Path file, String markdown) throws IOException {
        Files.writeString(file, markdown);
        return file;
    }
}
