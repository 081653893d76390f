package io.physmaster.sim.cli;

import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.SceneSpec;
import io.physmaster.sim.Simulator;
import io.physmaster.sim.Split;
import io.physmaster.sim.judge.PhysicsJudge;
import io.physmaster.sim.metrics.ColorSegmenter;
import io.physmaster.sim.metrics.MetricScores;
import io.physmaster.sim.metrics.Perturbation;
import io.physmaster.sim.metrics.PhysicsMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code physmaster sim measure}: the module's figures in one run. Speed of simulation and rendering, the
 * segmenter's mask IoU on clean and perturbed renders, and two reference rows for the metrics table: the
 * simulator itself re-segmented (the floor of measurement error) and a "frozen first frame" video (what a
 * model that never moves anything scores).
 */
@Command(name = "measure", mixinStandardHelpOptions = true,
        description = "Print speed, segmenter IoU and reference metric rows for the proxy task.")
final class MeasureCommand implements Callable<Integer> {

    @Option(names = "--scenes", defaultValue = "50",
            description = "Scenes per split and figure; a fifth of them at 128 px and up (default: ${DEFAULT-VALUE})")
    int scenes;
    @Option(names = "--sigma", defaultValue = "0.03", description = "Standard deviation of the additive noise in the "
            + "perturbed renders (default: ${DEFAULT-VALUE})")
    double sigma;
    @Option(names = "--blur", defaultValue = "0.5", description = "Share of 3x3 box blur in the perturbed renders, "
            + "0-1 (default: ${DEFAULT-VALUE})")
    double blur;

    @Override
    public Integer call() {
        if (scenes < 1) {
            throw new IllegalArgumentException("--scenes must be >= 1");
        }
        System.out.println("== speed (one thread; simulate = dyn4j at " + (int) Simulator.STEP_HZ
                + " Hz, render = Java2D with 4x4 supersampling)");
        for (int size : new int[] {32, 64, 128, 256}) {
            int n = size >= 128 ? Math.max(1, scenes / 5) : scenes;
            speed(new ClipSpec(size, ClipSpec.MODEL.frames(), ClipSpec.MODEL.fps()), n);
        }

        System.out.println("== segmenter mask IoU vs exact masks (seen split, all objects, all frames)");
        System.out.printf("%-10s %-8s %8s%n", "size", "render", "IoU");
        for (int size : new int[] {32, 64, 128}) {
            int n = size >= 128 ? Math.max(1, scenes / 5) : scenes;
            ClipSpec clip = new ClipSpec(size, ClipSpec.MODEL.frames(), ClipSpec.MODEL.fps());
            System.out.printf("%-10s %-8s %8.4f%n", size + " px", "clean", segmenterIou(clip, n, 0, 0));
            System.out.printf("%-10s %-8s %8.4f%n", size + " px", "perturb", segmenterIou(clip, n, blur, sigma));
        }

        System.out.println("== reference rows at the model size (PISA L2 / CD / IoU, frames 1.., " + scenes
                + " scenes per split)");
        System.out.printf("%-28s %-8s %8s %8s %8s%n", "video", "split", "L2", "CD", "IoU");
        for (Split split : List.of(Split.SEEN_TEST, Split.UNSEEN_TEST)) {
            for (boolean onlyDropping : new boolean[] {true, false}) {
                List<MetricScores> truth = new ArrayList<>();
                List<MetricScores> frozen = new ArrayList<>();
                List<MetricScores> noisy = new ArrayList<>();
                int preferred = 0;
                PhysicsJudge judge = new PhysicsJudge();
                for (int i = 0; i < scenes; i++) {
                    RenderedClip c = ProxyTask.render(ProxyTask.scene(split, i), ClipSpec.MODEL);
                    truth.add(score(c, c.video(), onlyDropping));
                    noisy.add(score(c, Perturbation.blurAndNoise(c.video(), c.frames(), c.height(), c.width(), blur,
                            sigma, i), onlyDropping));
                    float[] still = frozen(c);
                    frozen.add(score(c, still, onlyDropping));
                    if (onlyDropping) {
                        var v = judge.judge(c, List.of(still, c.video()));
                        preferred += v.isPresent() && v.get().preferred() == 1 ? 1 : 0;
                    }
                }
                String scope = onlyDropping ? "dropping" : "all objs";
                row("simulator (" + scope + ")", split, MetricScores.mean(truth));
                row("perturbed sim (" + scope + ")", split, MetricScores.mean(noisy));
                row("frozen frame 0 (" + scope + ")", split, MetricScores.mean(frozen));
                if (onlyDropping) {
                    System.out.printf("  judge prefers the simulation over the frozen video in %d/%d scenes%n",
                            preferred, scenes);
                }
            }
        }
        return 0;
    }

    private static void speed(ClipSpec clip, int n) {
        long sim = 0;
        long all = 0;
        for (int i = 0; i < n; i++) {
            SceneSpec s = ProxyTask.scene(Split.TRAIN, i);
            long t0 = System.nanoTime();
            Simulator.simulate(s, clip);
            long t1 = System.nanoTime();
            ProxyTask.render(s, clip);
            long t2 = System.nanoTime();
            sim += t1 - t0;
            all += t2 - t1;
        }
        System.out.printf("%4d px x %d frames: simulate %.1f ms, simulate+render %.1f ms per clip (%.1f clips/s, %d clips)%n",
                clip.size(), clip.frames(), sim / 1e6 / n, all / 1e6 / n, n / (all / 1e9), n);
    }

    private static double segmenterIou(ClipSpec clip, int n, double blurMix, double noise) {
        double total = 0;
        for (int i = 0; i < n; i++) {
            RenderedClip c = ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, i), clip);
            float[] v = noise == 0 && blurMix == 0 ? c.video()
                    : Perturbation.blurAndNoise(c.video(), c.frames(), c.height(), c.width(), blurMix, noise, i);
            byte[] masks = ColorSegmenter.forClip(c).segment(v, c.frames(), c.height(), c.width());
            total += PhysicsMetrics.score(c.masks(), masks, c.frames(), c.height(), c.width(),
                    PhysicsMetrics.ids(c.dropping(), false), 0).iou();
        }
        return total / n;
    }

    private static MetricScores score(RenderedClip c, float[] video, boolean onlyDropping) {
        byte[] masks = ColorSegmenter.forClip(c).segment(video, c.frames(), c.height(), c.width());
        return PhysicsMetrics.score(c.masks(), masks, c.frames(), c.height(), c.width(),
                PhysicsMetrics.ids(c.dropping(), onlyDropping), 1);
    }

    static float[] frozen(RenderedClip c) {
        return c.frozenVideo();
    }

    private static void row(String name, Split split, MetricScores m) {
        System.out.printf("%-28s %-8s %8.4f %8.4f %8.4f%n", name, split.shortName(), m.l2(), m.cd(), m.iou());
    }
}
