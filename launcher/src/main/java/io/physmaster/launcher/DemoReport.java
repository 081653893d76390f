package io.physmaster.launcher;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.physmaster.blob.BlobStore;
import io.physmaster.encoder.ServedEncoder;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.sim.judge.PhysicsJudge;
import io.physmaster.sim.metrics.MetricScores;
import io.physmaster.sim.metrics.PairedBootstrap;
import io.physmaster.sim.metrics.PermanenceScores;
import io.physmaster.trainer.Gate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.ToDoubleFunction;

/**
 * The learning curve of a run: every published encoder version scored on the same held-out scenes and seeds
 * as the base, against the judged pairs the trainer had consumed when it published it. L2, CD and the judge
 * score are given as changes against the base with 95 % intervals from a paired bootstrap over scenes, the
 * permanence and gravity figures (which the trainer never optimises directly) next to them. "Better" means
 * the interval lies below zero, not merely a lower mean.
 */
final class DemoReport {

    /** The report's seen-test scenes start here: apart from the gate's ({@link Gate#FIRST_SCENE}). */
    static final long REPORT_SCENES = 100_000;

    /** One version's held-out figures; the changes are against the base (null for the base itself). */
    record Row(String version, double pairs, MetricScores mean, PairedBootstrap.Interval l2,
               PairedBootstrap.Interval cd, PairedBootstrap.Interval judge) {
    }

    private final List<Row> rows = new ArrayList<>();

    static DemoReport evaluate(Path model, String baseVersion, List<EncoderVersion> versions, BlobStore blobs,
                               int scenes, int steps, IntConsumer evaluated) throws IOException {
        DemoReport report = new DemoReport();
        Gate eval = Gate.evaluation(REPORT_SCENES, scenes, steps);
        try (NDManager m = NDManager.newBaseManager()) {
            List<MetricScores> base = eval.metrics(ServedEncoder.load(model, null, baseVersion, blobs, m), m);
            report.rows.add(new Row(baseVersion, 0, MetricScores.mean(base), null, null, null));
            evaluated.accept(report.rows.size());
            for (EncoderVersion v : versions) {
                if (v.getVersion().equals(baseVersion)) {
                    continue;
                }
                List<MetricScores> s;
                try (NDManager vm = m.newSubManager()) {
                    s = eval.metrics(ServedEncoder.load(model, v, baseVersion, blobs, vm), vm);
                }
                report.rows.add(new Row(v.getVersion(), v.getTrainingFigures().getOrDefault("replay_pairs", 0.0),
                        MetricScores.mean(s), change(base, s, MetricScores::l2), change(base, s, MetricScores::cd),
                        change(base, s, PhysicsJudge::score)));
                evaluated.accept(report.rows.size());
            }
        }
        return report;
    }

    private static PairedBootstrap.Interval change(List<MetricScores> base, List<MetricScores> s,
                                                   ToDoubleFunction<MetricScores> f) {
        return PairedBootstrap.relativeChange(base.stream().mapToDouble(f).toArray(),
                s.stream().mapToDouble(f).toArray(), 1);
    }

    List<Row> rows() {
        return rows;
    }

    /** The newest version's judge-score change, or null when none was published. */
    PairedBootstrap.Interval newestChange() {
        return rows.size() < 2 ? null : rows.get(rows.size() - 1).judge();
    }

    boolean improved() {
        PairedBootstrap.Interval c = newestChange();
        return c != null && c.decreased();
    }

    String markdown(String header, int scenes) {
        StringBuilder md = new StringBuilder("# PhysMaster closed-loop demo\n\n").append(header).append("\n\n");
        md.append("Held-out seen-test scenes (").append(scenes).append(", from ").append(REPORT_SCENES)
                .append("), dropping objects, one sample each. Changes against the base with 95 % intervals ")
                .append("(paired bootstrap over scenes); one piece, area change, ghost and gravity are figures the ")
                .append("trainer does not optimise directly (see docs/results/judge.md).\n\n");
        md.append("| # | encoder version | pairs | L2 | CD | IoU | L2 vs base | CD vs base | judge score vs base ")
                .append("| one piece | area change | ghost | gravity within 10 % |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            PermanenceScores p = r.mean().permanence();
            md.append(String.format(Locale.ROOT, "| %d | %s | %.0f | %.4f | %.4f | %.3f | %s | %s | %s | %s | %s | %s | %s |%n",
                    i, r.version(), r.pairs(), r.mean().l2(), r.mean().cd(), r.mean().iou(), orDash(r.l2()),
                    orDash(r.cd()), orDash(r.judge()), p == null ? "-" : pct(p.onePiece()),
                    p == null ? "-" : pct(p.areaChange()), p == null ? "-" : String.format(Locale.ROOT, "%.3f", p.ghost()),
                    p == null ? "-" : pct(p.gravityWithin10())));
        }
        PairedBootstrap.Interval c = newestChange();
        md.append("\n").append(c == null ? "No encoder version was published: nothing to compare.\n"
                : c.decreased() ? "The newest version is better than the base beyond noise: judge score " + c + ".\n"
                : c.increased() ? "The newest version is WORSE than the base beyond noise: judge score " + c + ".\n"
                : "No change beyond noise: judge score " + c + " (the interval includes zero).\n");
        return md.toString();
    }

    private static String orDash(PairedBootstrap.Interval i) {
        return i == null ? "-" : i.toString();
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f %%", 100 * v);
    }

    /** The rows as JSON, for benchmarks and plots. */
    void writeJson(Path file) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", r.version());
            m.put("pairs", r.pairs());
            m.put("l2", r.mean().l2());
            m.put("cd", r.mean().cd());
            m.put("iou", r.mean().iou());
            m.put("permanence", r.mean().permanence());
            m.put("l2_change", r.l2());
            m.put("cd_change", r.cd());
            m.put("judge_change", r.judge());
            out.add(m);
        }
        Files.writeString(file, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(out));
    }
}
