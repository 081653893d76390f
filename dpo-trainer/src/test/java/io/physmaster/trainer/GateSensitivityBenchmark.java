package io.physmaster.trainer;

import ai.djl.ndarray.NDManager;
import io.physmaster.console.Progress;
import io.physmaster.model.ModelRuntime;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.sim.metrics.PairedBootstrap;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * How many gate scenes it takes to see a change: a base checkpoint and one or more candidates scored on the
 * gate's scenes; for each candidate the per-scene spread of the paired score difference, the scenes that spread
 * asks for to see a 3 % change, and the 95 % interval of the judge-score change from the first n scenes, for
 * several n. Not part of the test command:
 * <pre>
 *   mvn -q -pl dpo-trainer exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.physmaster.trainer.GateSensitivityBenchmark \
 *       -Dexec.args="96 models/stage1.pmck models/stage1+dpo-encoder.pmck models/stage2.pmck"
 * </pre>
 */
public final class GateSensitivityBenchmark {

    public static void main(String[] args) throws Exception {
        ModelRuntime.setUp();
        Path root = Path.of(System.getProperty("physmaster.root", "."));
        int max = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        Path base = root.resolve(args.length > 1 ? args[1] : "models/stage1.pmck");
        String[] candidates = args.length > 2 ? Arrays.copyOfRange(args, 2, args.length)
                : new String[] {"models/stage1+dpo-encoder.pmck", "models/stage2.pmck"};
        Progress progress = Progress.start("gate scoring", 1 + candidates.length); // one unit per model scored
        progress.update(0, "rendering " + max + " gate scenes");
        Gate gate = new Gate(max, 8, 0.0);
        try (NDManager m = NDManager.newBaseManager()) {
            progress.update(0, "scoring " + base.getFileName());
            long t0 = System.nanoTime();
            Gate.Scores sa = gate.score(Models.load(base, m), m);
            double perModel = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "base %s: judge score %.4f, per-scene SD %.4f; gate scenes from %d; "
                    + "scoring one model on %d scenes took %.1f s%n", base.getFileName(), sa.meanScore(),
                    sd(sa.perScene()), Gate.FIRST_SCENE, max, perModel);
            for (int k = 0; k < candidates.length; k++) {
                String c = candidates[k];
                progress.update(1 + k, "scoring " + Path.of(c).getFileName());
                PhysMasterModel mb = Models.load(root.resolve(c), m);
                Gate.Scores sb = gate.score(mb, m);
                if (k == candidates.length - 1) {
                    progress.done((1 + candidates.length) + " models on " + max + " gate scenes");
                }
                double[] diff = new double[max];
                for (int i = 0; i < max; i++) {
                    diff[i] = sb.perScene()[i] - sa.perScene()[i];
                }
                // Relative per-scene spread of the paired difference; n for a 95 % half-width of 3 %, and for
                // 80 % power to find a true 3 % change (z 1.96 + 0.84).
                double rel = sd(diff) / sa.meanScore();
                System.out.printf(Locale.ROOT, "%n-> %s: judge score %.4f; paired difference per scene: mean %+.4f, "
                        + "SD %.4f (%.1f %% of the base's mean); scenes for a 95 %% half-width of 3 %%: %.0f; for "
                        + "80 %% power at 3 %%: %.0f%n", Path.of(c).getFileName(), sb.meanScore(), mean(diff), sd(diff),
                        100 * rel, Math.pow(1.96 * rel / 0.03, 2), Math.pow(2.80 * rel / 0.03, 2));
                System.out.println("scenes | change [95 % interval] | half-width");
                for (int n : new int[] {8, 12, 16, 24, 32, 48, 64, 96, 128}) {
                    if (n > max) {
                        break;
                    }
                    PairedBootstrap.Interval ci = PairedBootstrap.relativeChange(Arrays.copyOf(sa.perScene(), n),
                            Arrays.copyOf(sb.perScene(), n), 1);
                    System.out.printf(Locale.ROOT, "%6d | %s | %.1f %%%n", n, ci, 50 * (ci.high() - ci.low()));
                }
            }
        }
    }

    static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }

    static double sd(double[] v) {
        double mu = mean(v);
        return Math.sqrt(Arrays.stream(v).map(x -> (x - mu) * (x - mu)).sum() / (v.length - 1));
    }

    private GateSensitivityBenchmark() {
    }
}
