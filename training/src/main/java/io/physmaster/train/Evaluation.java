package io.physmaster.train;

import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Renderer;
import io.physmaster.sim.Split;
import io.physmaster.sim.io.ContactSheet;
import io.physmaster.sim.metrics.ColorSegmenter;
import io.physmaster.sim.metrics.MetricScores;
import io.physmaster.sim.metrics.PhysicsMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The paper's Table 1 on our proxy task: generate one video per held-out scene, segment the objects by colour,
 * and score L2 / CD / IoU against the simulator for the dropping objects and for all objects.
 */
public final class Evaluation {

    /** Generates videos: one per (first frame [3,H,W] in [0,1], seed); returns [T,3,H,W] in [0,1] each. */
    public interface Generator {
        float[][] generate(float[][] firstFrames, long[] seeds);
    }

    /** One table row. */
    public record Row(String variant, String split, String scope, double l2, double cd, double iou) {
    }

    /** Copy the first frame forever: the baseline every model must beat. */
    public static Generator staticBaseline(int frames) {
        return (firsts, seeds) -> {
            float[][] out = new float[firsts.length][];
            for (int i = 0; i < firsts.length; i++) {
                out[i] = new float[frames * firsts[i].length];
                for (int t = 0; t < frames; t++) {
                    System.arraycopy(firsts[i], 0, out[i], t * firsts[i].length, firsts[i].length);
                }
            }
            return out;
        };
    }

    /** Held-out clips of a split (scene indexes 0..n-1). */
    public static List<RenderedClip> clips(Split split, int n) {
        List<RenderedClip> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(ProxyTask.render(ProxyTask.scene(split, i), ClipSpec.MODEL));
        }
        return out;
    }

    /** Generated videos for the clips, in batches. */
    public static List<float[]> generate(Generator g, List<RenderedClip> clips, int batch, long seed) {
        List<float[]> out = new ArrayList<>();
        for (int from = 0; from < clips.size(); from += batch) {
            int n = Math.min(batch, clips.size() - from);
            float[][] firsts = new float[n][];
            long[] seeds = new long[n];
            for (int i = 0; i < n; i++) {
                firsts[i] = clips.get(from + i).frame(0);
                seeds[i] = seed + from + i;
            }
            out.addAll(List.of(g.generate(firsts, seeds)));
        }
        return out;
    }

    /** Mean metrics of generated videos against their clips, for dropping objects or all. */
    public static MetricScores score(List<RenderedClip> clips, List<float[]> videos, boolean onlyDropping) {
        List<MetricScores> all = new ArrayList<>();
        for (int i = 0; i < clips.size(); i++) {
            RenderedClip c = clips.get(i);
            ColorSegmenter seg = ColorSegmenter.fromFirstFrame(c.video(), c.masks(), c.height(), c.width(),
                    c.objectCount(), Renderer.nonObjectColors());
            byte[] masks = seg.segment(videos.get(i), c.frames(), c.height(), c.width());
            all.add(PhysicsMetrics.score(c.masks(), masks, c.frames(), c.height(), c.width(),
                    PhysicsMetrics.ids(c.dropping(), onlyDropping), 1));
        }
        return MetricScores.mean(all);
    }

    /** Rows for one variant over both splits, plus their average. */
    public static List<Row> rows(String variant, Map<String, List<RenderedClip>> clipsBySplit,
                                 Map<String, List<float[]>> videosBySplit) {
        List<Row> rows = new ArrayList<>();
        for (String scope : List.of("dropping", "all")) {
            List<MetricScores> perSplit = new ArrayList<>();
            for (var e : clipsBySplit.entrySet()) {
                MetricScores s = score(e.getValue(), videosBySplit.get(e.getKey()), scope.equals("dropping"));
                perSplit.add(s);
                rows.add(new Row(variant, e.getKey(), scope, s.l2(), s.cd(), s.iou()));
            }
            MetricScores avg = MetricScores.mean(perSplit);
            rows.add(new Row(variant, "avg", scope, avg.l2(), avg.cd(), avg.iou()));
        }
        return rows;
    }

    /** Writes rows as JSON (a list of {variant, split, scope, l2, cd, iou}) and as a Markdown table. */
    public static void write(List<Row> rows, Path json, Path md, String title, String notes) throws IOException {
        Files.createDirectories(json.toAbsolutePath().getParent());
        StringBuilder j = new StringBuilder("[\n");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            j.append(String.format("  {\"variant\": \"%s\", \"split\": \"%s\", \"scope\": \"%s\", \"l2\": %.5f, "
                    + "\"cd\": %.5f, \"iou\": %.5f}%s%n", r.variant(), r.split(), r.scope(), r.l2(), r.cd(), r.iou(),
                    i + 1 < rows.size() ? "," : ""));
        }
        Files.writeString(json, j.append("]\n").toString());
        StringBuilder m = new StringBuilder("# " + title + "\n\n" + notes + "\n\n");
        for (String scope : List.of("dropping", "all")) {
            m.append("## ").append(scope.equals("dropping") ? "Dropping objects" : "All objects").append("\n\n");
            m.append("| variant | seen L2 | seen CD | seen IoU | unseen L2 | unseen CD | unseen IoU | avg L2 | avg CD | avg IoU |\n");
            m.append("|---|---|---|---|---|---|---|---|---|---|\n");
            Map<String, Map<String, Row>> byVariant = new LinkedHashMap<>();
            for (Row r : rows) {
                if (r.scope().equals(scope)) {
                    byVariant.computeIfAbsent(r.variant(), k -> new LinkedHashMap<>()).put(r.split(), r);
                }
            }
            for (var e : byVariant.entrySet()) {
                m.append("| ").append(e.getKey());
                for (String split : List.of("seen", "unseen", "avg")) {
                    Row r = e.getValue().get(split);
                    m.append(String.format(" | %.4f | %.4f | %.3f", r.l2(), r.cd(), r.iou()));
                }
                m.append(" |\n");
            }
            m.append("\n");
        }
        Files.writeString(md, m.toString());
    }

    /** A contact sheet: per scene, the simulator's truth then each variant's video. */
    public static Path contactSheet(List<RenderedClip> clips, Map<String, List<float[]>> videosByVariant, int scenes,
                                    Path png) throws IOException {
        List<ContactSheet.Row> rows = new ArrayList<>();
        for (int i = 0; i < Math.min(scenes, clips.size()); i++) {
            RenderedClip c = clips.get(i);
            rows.add(new ContactSheet.Row(c.scene().id() + " truth", c.video(), c.frames(), c.height(), c.width()));
            for (var e : videosByVariant.entrySet()) {
                rows.add(new ContactSheet.Row("  " + e.getKey(), e.getValue().get(i), c.frames(), c.height(), c.width()));
            }
        }
        return ContactSheet.write(rows, 48, png);
    }

    private Evaluation() {
    }
}
