package io.physmaster.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.physmaster.plots.Figure;
import io.physmaster.plots.Panel;
import io.physmaster.sim.metrics.PairedBootstrap;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The learning curve as three charts (L2, CD, judge score), each the relative change against the base over the
 * judged pairs consumed, with the 95 % interval as a band and the base as a dashed line at zero: where the band
 * covers the line, nothing changed beyond noise.
 */
final class MetricsPlot {

    static final int PANEL_WIDTH = 420;
    static final int PANEL_HEIGHT = 340;

    /** One version: the pairs consumed and its changes against the base (null for the base itself). */
    record Point(String version, double pairs, PairedBootstrap.Interval l2, PairedBootstrap.Interval cd,
                 PairedBootstrap.Interval judge) {
    }

    private MetricsPlot() {
    }

    /** Plots a run's rows (the first is the base). */
    static Path write(List<DemoReport.Row> rows, Path png) throws IOException {
        List<Point> points = new ArrayList<>();
        for (DemoReport.Row r : rows) {
            points.add(new Point(r.version(), r.pairs(), r.l2(), r.cd(), r.judge()));
        }
        return writePoints(points, png);
    }

    /**
     * Redraws the plot from a {@code report.json} of an earlier run (no stack, no models), next to it with the
     * extension {@code .png}: {@code docs/results/online.json} -> {@code docs/results/online.png}.
     */
    static Path replot(Path reportJson) throws IOException {
        String name = reportJson.getFileName().toString();
        Path png = reportJson.resolveSibling((name.endsWith(".json") ? name.substring(0, name.length() - 5) : name)
                + ".png");
        return writePoints(read(reportJson), png);
    }

    /** The rows of a report.json: a list of {version, pairs, l2_change, cd_change, judge_change, ...}. */
    static List<Point> read(Path reportJson) throws IOException {
        JsonNode root = new ObjectMapper().readTree(reportJson.toFile());
        if (root == null || !root.isArray() || root.isEmpty()) {
            throw new IllegalArgumentException(reportJson + " is not a demo report.json: expected a non-empty list "
                    + "of encoder versions");
        }
        List<Point> points = new ArrayList<>();
        for (JsonNode row : root) {
            if (!row.path("pairs").isNumber() || !row.path("version").isTextual()) {
                throw new IllegalArgumentException(reportJson + " is not a demo report.json: a row without "
                        + "'version' and a numeric 'pairs': " + row);
            }
            points.add(new Point(row.get("version").asText(), row.get("pairs").asDouble(),
                    interval(row.get("l2_change")), interval(row.get("cd_change")), interval(row.get("judge_change"))));
        }
        return points;
    }

    private static PairedBootstrap.Interval interval(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        return new PairedBootstrap.Interval(n.path("change").asDouble(Double.NaN), n.path("low").asDouble(Double.NaN),
                n.path("high").asDouble(Double.NaN), n.path("scenes").asInt());
    }

    static Path writePoints(List<Point> points, Path png) throws IOException {
        if (points.isEmpty()) {
            throw new IllegalArgumentException("no encoder versions to plot");
        }
        String base = points.get(0).version();
        return Figure.writePng(List.of(
                panel("L2 vs base (lower is better)", points, Point::l2, base),
                panel("CD vs base (lower is better)", points, Point::cd, base),
                panel("judge score vs base (lower is better)", points, Point::judge, base)),
                3, PANEL_WIDTH, PANEL_HEIGHT, png);
    }

    /**
     * The base sits at zero by definition; a later version without a finite interval (none was computed) is left
     * out rather than drawn at zero, which would read as "no change".
     */
    private static Panel panel(String title, List<Point> points, Function<Point, PairedBootstrap.Interval> figure,
                               String base) {
        List<double[]> kept = new ArrayList<>(); // {pairs, change, low, high}
        for (int i = 0; i < points.size(); i++) {
            PairedBootstrap.Interval iv = figure.apply(points.get(i));
            if (i == 0) {
                kept.add(new double[] {points.get(i).pairs(), 0, 0, 0});
            } else if (iv != null && Double.isFinite(iv.change()) && Double.isFinite(iv.low())
                    && Double.isFinite(iv.high())) {
                kept.add(new double[] {points.get(i).pairs(), iv.change(), iv.low(), iv.high()});
            }
        }
        double[][] cols = new double[4][kept.size()];
        for (int i = 0; i < kept.size(); i++) {
            for (int c = 0; c < 4; c++) {
                cols[c][i] = kept.get(i)[c];
            }
        }
        return new Panel(title, "judged pairs consumed", "change vs base (%)").signedPercent()
                .baseline("base (" + base + ")", 0)
                .curve("change", cols[0], cols[1], cols[2], cols[3]);
    }
}
