package io.physmaster.plots;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One chart of a {@link Figure}: a title, axis titles (with units), series with optional 95 % intervals and dashed
 * baselines. Every method checks its input, so bad data fails here, naming the panel and series, instead of
 * turning into a blank or misleading picture.
 */
public final class Panel {

    /** How a series is drawn: a line through its points with the interval as a band, or markers with error bars. */
    public enum Style { CURVE, POINTS }

    /**
     * One series; {@code low} and {@code high} are both null when it has no interval.
     *
     * @param x numeric x, or category indices when the panel has categories
     */
    public record Series(String name, Style style, double[] x, double[] y, double[] low, double[] high) {

        public boolean hasInterval() {
            return low != null;
        }
    }

    /**
     * A horizontal dashed line: a reference the series are read against (the starting model, a static baseline).
     *
     * @param like a series whose colour the line takes, or null for grey
     */
    public record Baseline(String name, double y, String like) {
    }

    private final String title;
    private final String xTitle;
    private final String yTitle;
    private final List<Series> series = new ArrayList<>();
    private final List<Baseline> baselines = new ArrayList<>();
    private List<String> categories;
    private boolean percent;
    private boolean signed;

    /** A panel; axis titles should carry the unit, e.g. "judged pairs consumed" or "change vs base (%)". */
    public Panel(String title, String xTitle, String yTitle) {
        this.title = Objects.requireNonNull(title, "title");
        this.xTitle = Objects.requireNonNull(xTitle, "xTitle");
        this.yTitle = Objects.requireNonNull(yTitle, "yTitle");
    }

    /** The y values are fractions, labelled as percentages (0.05 -> "5%"). */
    public Panel percent() {
        percent = true;
        return this;
    }

    /** The y values are fractions of change, labelled as signed percentages (0.05 -> "+5%", 0 -> "+0%"). */
    public Panel signedPercent() {
        percent = true;
        signed = true;
        return this;
    }

    /**
     * Named x positions: a series' x values are category indices (0 .. n-1; a series may skip some). All series
     * of the panel sit at each category's centre, so a categorical panel is best read with one series.
     */
    public Panel categories(List<String> labels) {
        if (labels == null || labels.isEmpty()) {
            throw new IllegalArgumentException(where() + ": categories must not be empty");
        }
        if (!series.isEmpty()) {
            throw new IllegalStateException(where() + ": set the categories before adding series");
        }
        categories = List.copyOf(labels);
        return this;
    }

    /** A line through the points, the interval (low, high; both null for none) as a shaded band. */
    public Panel curve(String name, double[] x, double[] y, double[] low, double[] high) {
        return add(new Series(name, Style.CURVE, x, y, low, high));
    }

    /** Markers at the points with the interval (low, high; both null for none) as error bars. */
    public Panel points(String name, double[] x, double[] y, double[] low, double[] high) {
        return add(new Series(name, Style.POINTS, x, y, low, high));
    }

    /** A grey dashed horizontal line at y. */
    public Panel baseline(String name, double y) {
        return baseline(name, y, null);
    }

    /** A dashed horizontal line at y in the colour of the series named {@code like} (added before). */
    public Panel baseline(String name, double y, String like) {
        checkName(name);
        if (!Double.isFinite(y)) {
            throw new IllegalArgumentException(where() + ": baseline '" + name + "' is not a finite number: " + y);
        }
        if (like != null && series.stream().noneMatch(s -> s.name().equals(like))) {
            throw new IllegalArgumentException(where() + ": baseline '" + name + "' refers to no series '" + like + "'");
        }
        baselines.add(new Baseline(name, y, like));
        return this;
    }

    private Panel add(Series s) {
        checkName(s.name());
        String what = where() + ", series '" + s.name() + "'";
        if (s.x() == null || s.y() == null) {
            throw new IllegalArgumentException(what + ": x and y are required");
        }
        if (s.y().length == 0) {
            throw new IllegalArgumentException(what + ": no points");
        }
        if (s.x().length != s.y().length) {
            throw new IllegalArgumentException(what + ": " + s.x().length + " x values but " + s.y().length + " y values");
        }
        if ((s.low() == null) != (s.high() == null)) {
            throw new IllegalArgumentException(what + ": an interval needs both low and high");
        }
        if (s.low() != null && (s.low().length != s.y().length || s.high().length != s.y().length)) {
            throw new IllegalArgumentException(what + ": " + s.y().length + " points but " + s.low().length
                    + " low and " + s.high().length + " high values");
        }
        for (int i = 0; i < s.y().length; i++) {
            finite(what, "x", s.x(), i);
            finite(what, "y", s.y(), i);
            if (s.low() != null) {
                finite(what, "low", s.low(), i);
                finite(what, "high", s.high(), i);
                if (s.low()[i] > s.high()[i]) {
                    throw new IllegalArgumentException(what + ": interval at point " + i + " has low " + s.low()[i]
                            + " above high " + s.high()[i]);
                }
            }
            if (categories != null && (s.x()[i] != Math.rint(s.x()[i]) || s.x()[i] < 0 || s.x()[i] >= categories.size())) {
                throw new IllegalArgumentException(what + ": x " + s.x()[i] + " at point " + i + " is not the index of "
                        + "one of the " + categories.size() + " categories");
            }
        }
        if (categories != null && java.util.Arrays.stream(s.x()).distinct().count() < s.x().length) {
            throw new IllegalArgumentException(what + ": two points at the same category");
        }
        series.add(new Series(s.name(), s.style(), s.x().clone(), s.y().clone(),
                s.low() == null ? null : s.low().clone(), s.high() == null ? null : s.high().clone()));
        return this;
    }

    private static void finite(String what, String axis, double[] v, int i) {
        if (!Double.isFinite(v[i])) {
            throw new IllegalArgumentException(what + ": " + axis + " at point " + i + " is " + v[i]
                    + " (every value must be a finite number)");
        }
    }

    private void checkName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(where() + ": every series and baseline needs a name");
        }
        if (series.stream().anyMatch(s -> s.name().equals(name)) || baselines.stream().anyMatch(b -> b.name().equals(name))) {
            throw new IllegalArgumentException(where() + ": two series or baselines named '" + name + "'");
        }
    }

    private String where() {
        return "panel '" + title + "'";
    }

    public String title() {
        return title;
    }

    public String xTitle() {
        return xTitle;
    }

    public String yTitle() {
        return yTitle;
    }

    public List<Series> series() {
        return List.copyOf(series);
    }

    public List<Baseline> baselines() {
        return List.copyOf(baselines);
    }

    /** The category labels, or null for a numeric x axis. */
    public List<String> categories() {
        return categories;
    }

    public boolean isPercent() {
        return percent;
    }

    public boolean isSigned() {
        return signed;
    }
}
