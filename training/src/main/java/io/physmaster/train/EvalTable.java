package io.physmaster.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.physmaster.sim.metrics.SceneBootstrap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The evaluation's table: per variant, split and {@link EvalMetric}, the figure with its 95 % bootstrap interval
 * over scenes and, for every variant but the reference, the paired change against the reference with its 95 %
 * interval. Splits are those scored plus "avg", the mean of their figures (what the targets are stated on).
 */
public final class EvalTable {

    /** The split that averages the others. */
    public static final String AVG = "avg";
    /** One seed for every interval: the same resamples throughout, so a run reproduces exactly. */
    static final long SEED = 1;

    /**
     * One cell.
     *
     * @param change null for the reference variant
     * @param n      scenes with the figure (counted falls for gravity)
     */
    public record Entry(String variant, String split, EvalMetric metric, SceneBootstrap.Estimate value,
                        SceneBootstrap.Estimate change, double n) {

        /** "better" or "worse" when the change's interval excludes zero, else null. */
        public String verdict() {
            return metric.verdict(change);
        }
    }

    private final String reference;
    private final List<String> splits;
    private final List<Entry> entries;

    private EvalTable(String reference, List<String> splits, List<Entry> entries) {
        this.reference = reference;
        this.splits = splits;
        this.entries = entries;
    }

    /**
     * Assembles the table from per-scene scores: variant -> split -> scenes, in the same scene order (and seeds)
     * for every variant, which is what makes the changes paired.
     */
    public static EvalTable assemble(Map<String, Map<String, List<Evaluation.SceneScore>>> scores, String reference) {
        if (!scores.containsKey(reference)) {
            throw new IllegalArgumentException("reference variant '" + reference + "' was not evaluated");
        }
        List<String> scored = new ArrayList<>(scores.get(reference).keySet());
        for (var e : scores.entrySet()) {
            for (String split : scored) {
                List<Evaluation.SceneScore> s = e.getValue().get(split);
                if (s == null || s.size() != scores.get(reference).get(split).size()) {
                    throw new IllegalArgumentException("variant '" + e.getKey() + "' must be scored on the same "
                            + "scenes of split '" + split + "' as '" + reference + "'");
                }
            }
        }
        List<String> splits = new ArrayList<>(scored);
        if (scored.size() > 1) {
            splits.add(AVG);
        }
        List<Entry> entries = new ArrayList<>();
        for (String variant : scores.keySet()) {
            for (String split : splits) {
                List<String> strata = split.equals(AVG) ? scored : List.of(split);
                for (EvalMetric m : EvalMetric.values()) {
                    List<SceneBootstrap.Arm> arm = arms(scores.get(variant), strata, m);
                    SceneBootstrap.Estimate change = variant.equals(reference) ? null
                            : SceneBootstrap.change(arms(scores.get(reference), strata, m), arm, m.relative, SEED);
                    double n = arm.stream().mapToDouble(a -> java.util.Arrays.stream(a.weights()).sum()).sum();
                    entries.add(new Entry(variant, split, m, SceneBootstrap.mean(arm, SEED), change, n));
                }
            }
        }
        return new EvalTable(reference, splits, entries);
    }

    private static List<SceneBootstrap.Arm> arms(Map<String, List<Evaluation.SceneScore>> bySplit, List<String> strata,
                                                 EvalMetric m) {
        List<SceneBootstrap.Arm> out = new ArrayList<>();
        for (String split : strata) {
            List<Evaluation.SceneScore> scenes = bySplit.get(split);
            out.add(new SceneBootstrap.Arm(scenes.stream().mapToDouble(m::value).map(v -> Double.isFinite(v) ? v : 0)
                    .toArray(), scenes.stream().mapToDouble(m::weight).toArray()));
        }
        return out;
    }

    public List<Entry> entries() {
        return entries;
    }

    public String reference() {
        return reference;
    }

    /** The entry of a variant, split and metric. */
    public Entry get(String variant, String split, EvalMetric metric) {
        return entries.stream().filter(e -> e.variant().equals(variant) && e.split().equals(split)
                && e.metric() == metric).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "no entry for " + variant + "/" + split + "/" + metric.key));
    }

    /**
     * JSON: a list of one object per variant x split x metric with {@code value, lo, hi} and the change against
     * {@code vs} ({@code diff, diff_lo, diff_hi}, {@code diff_kind} relative or absolute, {@code verdict} better,
     * worse or null); the change fields are null for the reference, and any figure that could not be computed is
     * null.
     */
    public String json() throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Entry e : entries) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("variant", e.variant());
            r.put("split", e.split());
            r.put("scope", e.metric().dropping ? "dropping" : "all");
            r.put("metric", e.metric().key);
            r.put("value", finite(e.value().value()));
            r.put("lo", finite(e.value().low()));
            r.put("hi", finite(e.value().high()));
            r.put("n", e.n());
            r.put("vs", e.change() == null ? null : reference);
            r.put("diff_kind", e.change() == null ? null : e.metric().relative ? "relative" : "absolute");
            r.put("diff", e.change() == null ? null : finite(e.change().value()));
            r.put("diff_lo", e.change() == null ? null : finite(e.change().low()));
            r.put("diff_hi", e.change() == null ? null : finite(e.change().high()));
            r.put("verdict", e.verdict());
            rows.add(r);
        }
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(rows) + "\n";
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** Markdown: per split a table of figures and a table of changes against the reference. */
    public String markdown(String title, String notes) {
        StringBuilder m = new StringBuilder("# ").append(title).append("\n\n").append(notes).append("\n\n");
        List<String> variants = entries.stream().map(Entry::variant).distinct().toList();
        for (String split : splits) {
            m.append("## ").append(split.equals(AVG) ? "Average of the splits"
                    : Character.toUpperCase(split.charAt(0)) + split.substring(1) + " test scenes").append("\n\n");
            header(m, "variant");
            for (String v : variants) {
                m.append("| ").append(v);
                for (EvalMetric metric : EvalMetric.values()) {
                    m.append(" | ").append(metric.withInterval(get(v, split, metric).value()));
                }
                m.append(" |\n");
            }
            if (variants.size() < 2) {
                continue;
            }
            m.append("\nAgainst ").append(reference).append(" (paired, 95 % interval; better or worse only when ")
                    .append("the interval excludes zero):\n\n");
            header(m, "variant vs " + reference);
            for (String v : variants) {
                if (v.equals(reference)) {
                    continue;
                }
                m.append("| ").append(v);
                for (EvalMetric metric : EvalMetric.values()) {
                    Entry e = get(v, split, metric);
                    String verdict = e.verdict();
                    m.append(" | ").append(metric.change(e.change())).append(verdict == null ? "" : " " + verdict);
                }
                m.append(" |\n");
            }
            m.append("\n");
        }
        return m.toString();
    }

    private static void header(StringBuilder m, String first) {
        m.append("| ").append(first);
        for (EvalMetric metric : EvalMetric.values()) {
            m.append(" | ").append(metric.label);
        }
        m.append(" |\n|---");
        m.append("|---".repeat(EvalMetric.values().length)).append("|\n");
    }

    /** Writes {@code json} and {@code md}. */
    public void write(Path json, Path md, String title, String notes) throws IOException {
        Path dir = json.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Files.writeString(json, json());
        Files.writeString(md, markdown(title, notes));
    }
}
