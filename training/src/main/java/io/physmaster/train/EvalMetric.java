package io.physmaster.train;

import io.physmaster.sim.metrics.MetricScores;
import io.physmaster.sim.metrics.PermanenceScores;
import io.physmaster.sim.metrics.SceneBootstrap;
import java.util.Locale;

/**
 * The columns of {@code physmaster eval}: the PISA metrics for the dropping objects and for all objects, and the
 * permanence and free-fall figures of the dropping objects ({@link io.physmaster.sim.metrics.PermanenceMetrics}).
 * A figure over a set of scenes is {@code sum_i w_i v_i / sum_i w_i} with one value and weight per scene: weight 1
 * for a scene that has the figure, and for gravity the scene's counted falls (so a scene without a fall is neither
 * a hit nor a miss). Changes of L2, CD and IoU are relative ("zeroing c_phys worsens L2 by X %"); the others are
 * shares or near zero, where a relative change means little, so theirs are absolute (percentage points for shares).
 * Per scene the permanence figures are means over its dropping objects; an object's area change is the median
 * over frames of |area_t / true area - 1|.
 */
public enum EvalMetric {
    L2("l2", "L2", true, false, true, Format.DECIMAL4),
    CD("cd", "CD", true, false, true, Format.DECIMAL4),
    IOU("iou", "IoU", true, true, true, Format.DECIMAL3),
    ONE_PIECE("one_piece", "one piece", true, true, false, Format.PERCENT),
    AREA_CHANGE("area_change", "area change", true, false, false, Format.PERCENT),
    GHOST("ghost", "ghost", true, false, false, Format.DECIMAL3),
    COLOUR_SHIFT("colour_shift", "colour shift", true, false, false, Format.DECIMAL3),
    GRAVITY("gravity_within10", "gravity within 10 %", true, true, false, Format.PERCENT),
    L2_ALL("l2_all", "L2 (all)", false, false, true, Format.DECIMAL4),
    CD_ALL("cd_all", "CD (all)", false, false, true, Format.DECIMAL4),
    IOU_ALL("iou_all", "IoU (all)", false, true, true, Format.DECIMAL3);

    enum Format { DECIMAL3, DECIMAL4, PERCENT }

    /** The JSON name. */
    public final String key;
    public final String label;
    /** Scored on the dropping objects (else on all objects). */
    public final boolean dropping;
    public final boolean higherIsBetter;
    /** Changes are relative (after / before - 1), else absolute (after - before). */
    public final boolean relative;
    final Format format;

    EvalMetric(String key, String label, boolean dropping, boolean higherIsBetter, boolean relative, Format format) {
        this.key = key;
        this.label = label;
        this.dropping = dropping;
        this.higherIsBetter = higherIsBetter;
        this.relative = relative;
        this.format = format;
    }

    /** The metric of a JSON name. */
    public static EvalMetric byKey(String key) {
        for (EvalMetric m : values()) {
            if (m.key.equals(key)) {
                return m;
            }
        }
        throw new IllegalArgumentException("no metric named " + key);
    }

    /** The scene's value (NaN when the scene has none: no dropping object, or no fall for gravity). */
    public double value(Evaluation.SceneScore s) {
        MetricScores m = dropping ? s.dropping() : s.all();
        PermanenceScores p = m.permanence();
        return switch (this) {
            case L2, L2_ALL -> m.l2();
            case CD, CD_ALL -> m.cd();
            case IOU, IOU_ALL -> m.iou();
            case ONE_PIECE -> p == null ? Double.NaN : p.onePiece();
            case AREA_CHANGE -> p == null ? Double.NaN : p.areaChange();
            case GHOST -> p == null ? Double.NaN : p.ghost();
            case COLOUR_SHIFT -> p == null ? Double.NaN : p.colourShift();
            case GRAVITY -> p == null || p.falls() == 0 ? Double.NaN : p.gravityWithin10();
        };
    }

    /** The scene's weight: its counted falls for gravity, else 1; 0 when it has no value. */
    public double weight(Evaluation.SceneScore s) {
        double v = value(s);
        if (!Double.isFinite(v)) {
            return 0;
        }
        return this == GRAVITY ? s.dropping().permanence().falls() : 1;
    }

    /** A figure, e.g. {@code 0.0586}, {@code 92.1 %}. */
    String figure(double v) {
        if (!Double.isFinite(v)) {
            return "-";
        }
        return switch (format) {
            case DECIMAL3 -> String.format(Locale.ROOT, "%.3f", v);
            case DECIMAL4 -> String.format(Locale.ROOT, "%.4f", v);
            case PERCENT -> String.format(Locale.ROOT, "%.1f %%", 100 * v);
        };
    }

    /** A figure with its interval, e.g. {@code 0.0586 [0.0512, 0.0660]}, {@code 92.1 % [88.0, 95.3]}. */
    String withInterval(SceneBootstrap.Estimate e) {
        if (!Double.isFinite(e.value())) {
            return "-";
        }
        if (!Double.isFinite(e.low()) || !Double.isFinite(e.high())) {
            return figure(e.value());
        }
        if (format == Format.PERCENT) {
            return String.format(Locale.ROOT, "%.1f %% [%.1f, %.1f]", 100 * e.value(), 100 * e.low(), 100 * e.high());
        }
        return figure(e.value()) + " [" + figure(e.low()) + ", " + figure(e.high()) + "]";
    }

    /** A change with its interval: {@code +4.1 % [+2.0, +6.3]} (relative), {@code -3.0 pt [...]} (a share). */
    String change(SceneBootstrap.Estimate d) {
        if (!Double.isFinite(d.value())) {
            return "-";
        }
        if (relative || format == Format.PERCENT) {
            return String.format(Locale.ROOT, "%+.1f %s [%+.1f, %+.1f]", 100 * d.value(), relative ? "%" : "pt",
                    100 * d.low(), 100 * d.high());
        }
        return String.format(Locale.ROOT, "%+.3f [%+.3f, %+.3f]", d.value(), d.low(), d.high());
    }

    /** "better" or "worse" when the change's interval excludes zero, else null (no change beyond noise). */
    String verdict(SceneBootstrap.Estimate d) {
        if (d == null || !(d.low() > 0 || d.high() < 0)) {
            return null;
        }
        return d.low() > 0 == higherIsBetter ? "better" : "worse";
    }
}
