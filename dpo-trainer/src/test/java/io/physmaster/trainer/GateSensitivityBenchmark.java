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
 * How many gate scenes it takes to see a change: two shipped checkpoints scored on the gate's scenes, and the
 * 95 % interval of the judge-score change from the first n scenes, for several n. Not part of the test command:
 * <pre>
 *   mvn -q -pl dpo-trainer exec:java -Dexec.classpathScope=test \
 *       -Dexec.mainClass=io.physmaster.trainer.GateSensitivityBenchmark -Dexec.args="models/stage1.pmck models/stage2.pmck 64"
 * </pre>
 */
public final class GateSensitivityBenchmark {

    public static void main(String[] args) throws Exception {
        ModelRuntime.setUp();
        Path root = Path.of(System.getProperty("physmaster.root", "."));
        Path a = root.resolve(args.length > 0 ? args[0] : "models/stage1.pmck");
        Path b = root.resolve(args.length > 1 ? args[1] : "models/stage2.pmck");
        int max = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        Progress progress = Progress.start("gate scoring", 2); // one unit per model scored
        progress.update(0, "rendering " + max + " gate scenes");
        Gate gate = new Gate(max, 8, 0.0);
        try (NDManager m = NDManager.newBaseManager()) {
            PhysMasterModel ma = Models.load(a, m);
            PhysMasterModel mb = Models.load(b, m);
            progress.update(0, "scoring " + a.getFileName());
            long t0 = System.nanoTime();
            Gate.Scores sa = gate.score(ma, m);
            double perModel = (System.nanoTime() - t0) / 1e9;
            progress.update(1, "scoring " + b.getFileName());
            Gate.Scores sb = gate.score(mb, m);
            progress.done("2 models on " + max + " gate scenes");
            System.out.printf(Locale.ROOT, "%s -> %s, judge score, gate scenes from %d; scoring one model on %d scenes "
                    + "took %.1f s%n", a.getFileName(), b.getFileName(), Gate.FIRST_SCENE, max, perModel);
            System.out.println("scenes | change [95 % interval] | half-width");
            for (int n : new int[] {8, 16, 24, 32, 48, 64, 96, 128}) {
                if (n > max) {
                    break;
                }
                PairedBootstrap.Interval c = PairedBootstrap.relativeChange(Arrays.copyOf(sa.perScene(), n),
                        Arrays.copyOf(sb.perScene(), n), 1);
                System.out.printf(Locale.ROOT, "%6d | %s | %.1f %%%n", n, c, 50 * (c.high() - c.low()));
            }
        }
    }

    private GateSensitivityBenchmark() {
    }
}
