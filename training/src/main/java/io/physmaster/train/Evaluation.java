package io.physmaster.train;

import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Split;
import io.physmaster.sim.io.ContactSheet;
import io.physmaster.sim.metrics.ColorSegmenter;
import io.physmaster.sim.metrics.MetricScores;
import io.physmaster.sim.metrics.PermanenceMetrics;
import io.physmaster.sim.metrics.PhysicsMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The paper's Table 1 on our proxy task: generate one video per held-out scene, segment the objects by colour,
 * and score L2 / CD / IoU against the simulator for the dropping objects and for all objects, and the dropping
 * objects' permanence and free fall ({@link PermanenceMetrics}); {@link EvalTable} turns the per-scene figures
 * into figures with intervals.
 */
public final class Evaluation {

    /** Generates videos: one per (first frame [3,H,W] in [0,1], seed); returns [T,3,H,W] in [0,1] each. */
    public interface Generator {
        float[][] generate(float[][] firstFrames, long[] seeds);
    }

    /**
     * One scene's figures: the PISA metrics of the dropping objects, with their permanence and free-fall figures
     * attached, and the PISA metrics of all objects.
     */
    public record SceneScore(MetricScores dropping, MetricScores all) {
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

    /** Per-scene figures of generated videos against their clips (both segmented the same way). */
    public static List<SceneScore> score(List<RenderedClip> clips, List<float[]> videos) {
        if (clips.size() != videos.size()) {
            throw new IllegalArgumentException(videos.size() + " videos for " + clips.size() + " clips");
        }
        List<SceneScore> out = new ArrayList<>();
        for (int i = 0; i < clips.size(); i++) {
            RenderedClip c = clips.get(i);
            float[] video = videos.get(i);
            byte[] masks = ColorSegmenter.forClip(c).segment(video, c.frames(), c.height(), c.width());
            MetricScores dropping = PhysicsMetrics.score(c.masks(), masks, c.frames(), c.height(), c.width(),
                    PhysicsMetrics.ids(c.dropping(), true), 1).withPermanence(PermanenceMetrics.score(c, video, masks));
            MetricScores all = PhysicsMetrics.score(c.masks(), masks, c.frames(), c.height(), c.width(),
                    PhysicsMetrics.ids(c.dropping(), false), 1);
            out.add(new SceneScore(dropping, all));
        }
        return out;
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
