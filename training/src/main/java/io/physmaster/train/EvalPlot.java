package io.physmaster.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.physmaster.plots.Figure;
import io.physmaster.plots.Panel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The evaluation's figure, drawn from its JSON ({@link EvalTable#json}) alone, so it can be redrawn without the
 * models: per metric (L2, CD, IoU, one piece; dropping objects, average of the splits) the variants' figures with
 * their 95 % intervals and the static baseline as a dashed line, and next to it each variant's paired change
 * against the reference with its 95 % interval and the reference as a dashed line at zero. The paired change is
 * what "better" is decided on: two figures' intervals may overlap while their paired change excludes zero.
 */
public final class EvalPlot {

    static final int PANEL_WIDTH = 460;
    static final int PANEL_HEIGHT = 300;
    static final String STATIC = "static";

    /** Metric key, panel title, value axis title, whether the figure is a share. */
    private record Shown(String key, String title, String axis, boolean share) {
    }

    private static final List<Shown> SHOWN = List.of(
            new Shown("l2", "L2 (lower is better)", "L2 (centroid error, frame units)", false),
            new Shown("cd", "CD (lower is better)", "CD (Chamfer distance, frame units)", false),
            new Shown("iou", "IoU (higher is better)", "IoU (mask overlap, 0-1)", false),
            new Shown("one_piece", "one piece (higher is better)", "frames in one piece (%)", true));

    private EvalPlot() {
    }

    /** {@code <prefix>.json} -> {@code <prefix>-plot.png} next to it. */
    public static Path pngFor(Path json) {
        String name = json.getFileName().toString();
        return json.resolveSibling((name.endsWith(".json") ? name.substring(0, name.length() - 5) : name) + "-plot.png");
    }

    /** Reads an eval JSON and writes its figure to {@link #pngFor}; returns the PNG. */
    public static Path replot(Path json) throws IOException {
        return write(new ObjectMapper().readTree(json.toFile()), json.toString(), pngFor(json));
    }

    /** Writes the figure of the JSON rows; {@code source} names them in errors. */
    static Path write(JsonNode rows, String source, Path png) throws IOException {
        if (rows == null || !rows.isArray() || rows.isEmpty()) {
            throw new IllegalArgumentException(source + " is not an eval JSON: expected a non-empty list of rows");
        }
        if (!rows.get(0).has("metric")) {
            throw new IllegalArgumentException(source + " has no per-metric rows with intervals (it was written by an "
                    + "eval before intervals were added); re-run ./physmaster eval to get a figure with intervals");
        }
        String reference = null;
        Set<String> variants = new LinkedHashSet<>();
        for (JsonNode r : rows) {
            variants.add(r.path("variant").asText());
            if (r.hasNonNull("vs")) {
                reference = r.get("vs").asText();
            }
        }
        variants.remove(STATIC);
        List<Panel[]> pairs = new ArrayList<>(); // {value, change (null when there is none)}
        for (Shown m : SHOWN) {
            Panel value = valuePanel(rows, m, new ArrayList<>(variants));
            if (value != null) {
                pairs.add(new Panel[] {value, reference == null ? null : changePanel(rows, m, variants, reference)});
            }
        }
        // Two columns (figure, change) when any metric has changes; a metric without them keeps its row with an
        // empty cell, so every row stays one metric.
        boolean changes = pairs.stream().anyMatch(pr -> pr[1] != null);
        int columns = changes ? 2 : 1;
        List<Panel> panels = new ArrayList<>();
        for (Panel[] pr : pairs) {
            panels.add(pr[0]);
            if (changes) {
                panels.add(pr[1]);
            }
        }
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException(source + " has no figures for " + SHOWN.stream().map(Shown::key).toList()
                    + " on the dropping objects' average split");
        }
        return Figure.writePng(panels, columns, PANEL_WIDTH, PANEL_HEIGHT, png);
    }

    /** The row of a variant and metric on the average of the splits, dropping objects; null when absent. */
    private static JsonNode row(JsonNode rows, String variant, String metric) {
        for (JsonNode r : rows) {
            if (r.path("variant").asText().equals(variant) && r.path("metric").asText().equals(metric)
                    && r.path("split").asText().equals(EvalTable.AVG) && r.path("scope").asText().equals("dropping")) {
                return r;
            }
        }
        return null;
    }

    private static boolean finite(JsonNode r, String... fields) {
        for (String f : fields) {
            if (r == null || !r.path(f).isNumber() || !Double.isFinite(r.get(f).asDouble())) {
                return false;
            }
        }
        return true;
    }

    private static Panel valuePanel(JsonNode rows, Shown m, List<String> variants) {
        List<String> cats = new ArrayList<>();
        List<double[]> pts = new ArrayList<>();
        for (String v : variants) {
            JsonNode r = row(rows, v, m.key());
            if (finite(r, "value", "lo", "hi")) {
                pts.add(new double[] {cats.size(), r.get("value").asDouble(), r.get("lo").asDouble(),
                    r.get("hi").asDouble()});
                cats.add(v);
            }
        }
        if (cats.isEmpty()) {
            return null;
        }
        Panel p = new Panel(m.title(), "variant", m.axis()).categories(cats);
        if (m.share()) {
            p.percent();
        }
        JsonNode st = row(rows, STATIC, m.key());
        if (finite(st, "value")) {
            p.baseline("static baseline", st.get("value").asDouble());
        }
        double[][] c = columns(pts);
        return p.points("avg of seen, unseen", c[0], c[1], c[2], c[3]);
    }

    private static Panel changePanel(JsonNode rows, Shown m, Set<String> variants, String reference) {
        List<String> cats = new ArrayList<>();
        List<double[]> pts = new ArrayList<>();
        boolean relative = true;
        for (String v : variants) {
            JsonNode r = row(rows, v, m.key());
            if (!v.equals(reference) && finite(r, "diff", "diff_lo", "diff_hi")) {
                relative = "relative".equals(r.path("diff_kind").asText());
                pts.add(new double[] {cats.size(), r.get("diff").asDouble(), r.get("diff_lo").asDouble(),
                    r.get("diff_hi").asDouble()});
                cats.add(v);
            }
        }
        if (cats.isEmpty()) {
            return null;
        }
        // A relative change reads as %; an absolute change of a share as percentage points.
        String unit = relative ? "%" : m.share() ? "% points" : "absolute";
        if (!relative && m.share()) {
            pts.forEach(pt -> {
                for (int i = 1; i < 4; i++) {
                    pt[i] *= 100;
                }
            });
        }
        Panel p = new Panel(m.title().replace(" (", " vs " + reference + " ("), "variant",
                "change vs " + reference + " (" + unit + ")").categories(cats);
        if (relative) {
            p.signedPercent();
        }
        double[][] c = columns(pts);
        return p.baseline(reference + " (reference)", 0).points("paired change", c[0], c[1], c[2], c[3]);
    }

    private static double[][] columns(List<double[]> pts) {
        double[][] c = new double[4][pts.size()];
        for (int i = 0; i < pts.size(); i++) {
            for (int k = 0; k < 4; k++) {
                c[k][i] = pts.get(i)[k];
            }
        }
        return c;
    }
}
