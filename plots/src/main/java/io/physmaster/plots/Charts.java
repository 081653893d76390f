package io.physmaster.plots;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.CategorySeries.CategorySeriesRenderStyle;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler.LegendLayout;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A {@link Panel} as an XChart chart: an XY chart for a numeric x axis (bands, error bars with caps), a category
 * chart for named x positions (XChart's own category axis, so every category gets its label).
 */
final class Charts {

    /** Blue, orange, green, purple, red, teal: distinguishable in print and for most colour-blind readers. */
    private static final Color[] PALETTE = {new Color(31, 100, 190), new Color(230, 120, 20), new Color(40, 150, 70),
        new Color(140, 70, 170), new Color(200, 40, 40), new Color(20, 150, 160)};
    private static final Color BASELINE_GREY = new Color(90, 90, 90);
    private static final BasicStroke DASHED = new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
            new float[] {7f, 5f}, 0f);
    private static final BasicStroke SOLID = new BasicStroke(2f);
    private static final BasicStroke THIN = new BasicStroke(1.4f);

    private Charts() {
    }

    static Chart<?, ?> chart(Panel p, int width, int height) {
        return p.categories() == null ? xy(p, width, height) : categorical(p, width, height);
    }

    private static Map<String, Color> colours(Panel p) {
        Map<String, Color> colours = new HashMap<>();
        List<Panel.Series> series = p.series();
        for (int i = 0; i < series.size(); i++) {
            colours.put(series.get(i).name(), PALETTE[i % PALETTE.length]);
        }
        return colours;
    }

    private static Color baselineColour(Panel.Baseline b, Map<String, Color> colours) {
        return b.like() == null ? BASELINE_GREY : colours.get(b.like());
    }

    private static XYChart xy(Panel p, int width, int height) {
        XYChart c = new XYChart(width, height);
        titles(c, p);
        double[] xr = xRange(p);
        double[] yr = yRange(p);
        style(c.getStyler(), p).setXAxisMin(xr[0]).setXAxisMax(xr[1]).setYAxisMin(yr[0]).setYAxisMax(yr[1]);
        Map<String, Color> colours = colours(p);
        // Drawn in insertion order: bands under baselines under the data.
        for (Panel.Series s : p.series()) {
            if (s.hasInterval() && s.style() == Panel.Style.CURVE) {
                band(c, s, colours.get(s.name()), p.series().size() == 1);
            }
        }
        for (Panel.Baseline b : p.baselines()) {
            XYSeries line = c.addSeries(b.name(), new double[] {xr[0], xr[1]}, new double[] {b.y(), b.y()});
            line.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line);
            line.setMarker(SeriesMarkers.NONE);
            line.setLineStyle(DASHED);
            line.setLineColor(baselineColour(b, colours));
        }
        double cap = 0.012 * (xr[1] - xr[0]);
        for (Panel.Series s : p.series()) {
            Color colour = colours.get(s.name());
            if (s.hasInterval() && s.style() == Panel.Style.POINTS) {
                for (int i = 0; i < s.y().length; i++) {
                    // An "I": cap at low, the bar, cap at high, as one polyline.
                    XYSeries bar = c.addSeries(s.name() + " interval " + i, new double[] {s.x()[i] - cap,
                        s.x()[i] + cap, s.x()[i], s.x()[i], s.x()[i] - cap, s.x()[i] + cap},
                            new double[] {s.low()[i], s.low()[i], s.low()[i], s.high()[i], s.high()[i], s.high()[i]});
                    bar.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line);
                    bar.setMarker(SeriesMarkers.NONE);
                    bar.setLineColor(colour);
                    bar.setLineStyle(THIN);
                    bar.setShowInLegend(false);
                }
            }
            XYSeries data = c.addSeries(s.name(), s.x(), s.y());
            data.setXYSeriesRenderStyle(s.style() == Panel.Style.CURVE ? XYSeriesRenderStyle.Line
                    : XYSeriesRenderStyle.Scatter);
            data.setMarker(SeriesMarkers.CIRCLE);
            data.setMarkerColor(colour);
            data.setLineColor(colour);
            data.setLineStyle(SOLID);
        }
        return c;
    }

    /** The band: the upper ends left to right, then the lower ends back, filled as one polygon. */
    private static void band(XYChart c, Panel.Series s, Color colour, boolean only) {
        int n = s.x().length;
        double[] bx = new double[2 * n];
        double[] by = new double[2 * n];
        for (int i = 0; i < n; i++) {
            bx[i] = s.x()[i];
            by[i] = s.high()[i];
            bx[2 * n - 1 - i] = s.x()[i];
            by[2 * n - 1 - i] = s.low()[i];
        }
        Color fill = new Color(colour.getRed(), colour.getGreen(), colour.getBlue(), 60);
        XYSeries band = c.addSeries(only ? "95 % interval" : s.name() + ": 95 % interval", bx, by);
        band.setXYSeriesRenderStyle(XYSeriesRenderStyle.PolygonArea);
        band.setMarker(SeriesMarkers.NONE);
        band.setFillColor(fill);
        band.setLineColor(fill);
        band.setLineStyle(THIN);
    }

    /**
     * Points per category. XChart's error bars are symmetric, so an interval is drawn as a marker-less series at
     * the interval's midpoint with half its width as the error bar, and the estimate as its own series on top.
     */
    private static CategoryChart categorical(Panel p, int width, int height) {
        CategoryChart c = new CategoryChart(width, height);
        titles(c, p);
        double[] yr = yRange(p);
        style(c.getStyler(), p).setYAxisMin(yr[0]).setYAxisMax(yr[1]);
        c.getStyler().setErrorBarsColorSeriesColor(true);
        // Every series at the category's centre: an estimate and its interval must line up.
        c.getStyler().setOverlapped(true);
        List<String> cats = p.categories();
        Map<String, Color> colours = colours(p);
        for (Panel.Baseline b : p.baselines()) {
            List<Double> ys = new ArrayList<>();
            cats.forEach(k -> ys.add(b.y()));
            CategorySeries line = c.addSeries(b.name(), cats, ys);
            line.setChartCategorySeriesRenderStyle(CategorySeriesRenderStyle.Line);
            line.setMarker(SeriesMarkers.NONE);
            line.setLineStyle(DASHED);
            line.setLineColor(baselineColour(b, colours));
            if (cats.size() == 1) {
                // A line through one category is a point: draw the baseline across the plot instead.
                c.addAnnotation(new AnnotationLine(b.y(), false, false));
                c.getStyler().setAnnotationLineStroke(DASHED);
                c.getStyler().setAnnotationLineColor(baselineColour(b, colours));
            }
        }
        for (Panel.Series s : p.series()) {
            Color colour = colours.get(s.name());
            List<Double> y = new ArrayList<>();
            List<Double> mid = new ArrayList<>();
            List<Double> half = new ArrayList<>();
            for (int k = 0; k < cats.size(); k++) {
                y.add(null);
                mid.add(null);
                half.add(0.0);
            }
            for (int i = 0; i < s.y().length; i++) {
                int k = (int) s.x()[i];
                y.set(k, s.y()[i]);
                if (s.hasInterval()) {
                    mid.set(k, (s.low()[i] + s.high()[i]) / 2);
                    half.set(k, (s.high()[i] - s.low()[i]) / 2);
                }
            }
            if (s.hasInterval()) {
                CategorySeries bars = c.addSeries(s.name() + " interval", cats, mid, half);
                bars.setChartCategorySeriesRenderStyle(CategorySeriesRenderStyle.Scatter);
                bars.setMarker(SeriesMarkers.NONE);
                bars.setMarkerColor(colour);
                bars.setLineColor(colour);
                bars.setFillColor(colour);
                bars.setShowInLegend(false);
            }
            CategorySeries data = c.addSeries(s.name(), cats, y);
            data.setChartCategorySeriesRenderStyle(s.style() == Panel.Style.CURVE ? CategorySeriesRenderStyle.Line
                    : CategorySeriesRenderStyle.Scatter);
            data.setMarker(SeriesMarkers.CIRCLE);
            data.setMarkerColor(colour);
            data.setLineColor(colour);
            data.setFillColor(colour);
        }
        return c;
    }

    private static void titles(Chart<?, ?> c, Panel p) {
        c.setTitle(p.title());
        c.setXAxisTitle(p.xTitle());
        c.setYAxisTitle(p.yTitle());
    }

    private static AxesChartStyler style(AxesChartStyler s, Panel p) {
        s.setLocale(Locale.ROOT);
        s.setAntiAlias(true);
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(new Color(247, 247, 247));
        s.setPlotBorderColor(new Color(160, 160, 160));
        s.setPlotGridLinesColor(new Color(222, 222, 222));
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        s.setChartTitleBoxVisible(false);
        s.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        s.setLegendPosition(LegendPosition.OutsideS);
        s.setLegendLayout(LegendLayout.Horizontal);
        s.setLegendBorderColor(Color.WHITE);
        s.setMarkerSize(7);
        s.setChartPadding(8);
        if (p.isPercent()) {
            s.setYAxisDecimalPattern(p.isSigned() ? "+0.##%;-0.##%" : "0.##%");
        }
        return s;
    }

    private static double[] xRange(Panel p) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Panel.Series s : p.series()) {
            for (double x : s.x()) {
                lo = Math.min(lo, x);
                hi = Math.max(hi, x);
            }
        }
        return padded(lo, hi, 0.03);
    }

    /** Data, intervals and baselines, with a margin so no point sits on the frame. */
    private static double[] yRange(Panel p) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Panel.Series s : p.series()) {
            for (double[] v : s.hasInterval() ? new double[][] {s.y(), s.low(), s.high()} : new double[][] {s.y()}) {
                for (double y : v) {
                    lo = Math.min(lo, y);
                    hi = Math.max(hi, y);
                }
            }
        }
        for (Panel.Baseline b : p.baselines()) {
            lo = Math.min(lo, b.y());
            hi = Math.max(hi, b.y());
        }
        return padded(lo, hi, 0.08);
    }

    private static double[] padded(double lo, double hi, double share) {
        double span = hi - lo;
        if (span <= 0) {
            // One value: give the axis a width so it still gets ticks.
            double half = lo == 0 ? 0.01 : Math.abs(lo) * 0.05;
            return new double[] {lo - half, hi + half};
        }
        return new double[] {lo - share * span, hi + share * span};
    }
}
