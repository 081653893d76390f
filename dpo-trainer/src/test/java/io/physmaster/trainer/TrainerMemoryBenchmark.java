package io.physmaster.trainer;

import ai.djl.ndarray.NDManager;
import io.physmaster.blob.LocalBlobStore;
import io.physmaster.console.Progress;
import io.physmaster.dpo.DpoSteps;
import io.physmaster.model.ModelRuntime;
import io.physmaster.role.ConnectionSettings;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Split;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Resident memory of the online learner over Flow-DPO steps, gate scorings and checkpoint saves, on the shipped
 * Stage I model. Arguments: the LoRA rank (0 = head only). Run with and without GLIBC_TUNABLES to see the
 * allocator's share (docs/results/memory.md). Not part of the test command:
 * <pre>
 *   mvn -q -pl dpo-trainer exec:java -Dexec.classpathScope=test \
 *       -Dexec.mainClass=io.physmaster.trainer.TrainerMemoryBenchmark -Dexec.args=8
 * </pre>
 */
public final class TrainerMemoryBenchmark {
    private TrainerMemoryBenchmark() {
    }

    static long rssMb() throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }

    public static void main(String[] args) throws Exception {
        ModelRuntime.setUp();
        Path dir = Files.createTempDirectory("leak");
        int rank = Integer.parseInt(args[0]);
        DpoTrainerSettings settings = new DpoTrainerSettings(new ConnectionSettings("x:1", "http://x:1", dir.toString(),
                Map.of()), Path.of(System.getProperty("physmaster.root", ".")).resolve("models/stage1.pmck"), "stage1", 0, 2000f, 3e-4f, rank, 2000, 256, 0, 8, 0, 8, 0);
        List<DpoSteps.Pair> pairs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            RenderedClip t = ProxyTask.render(ProxyTask.scene(Split.TRAIN, i), ClipSpec.MODEL);
            pairs.add(new DpoSteps.Pair(t.frame(0), t.video(), t.frozenVideo()));
        }
        try (NDManager m = NDManager.newBaseManager(); LocalBlobStore blobs = new LocalBlobStore(dir)) {
            OnlineLearner learner = new OnlineLearner(settings, blobs, m);
            Gate gate = new Gate(8, 8, 0.0);
            // 6 rounds of 5 DPO steps, 3 gate scorings, 3 checkpoint saves; each figure is a line that stays, so
            // plain progress lines only every 30 s between them.
            Progress progress = Progress.builder("trainer memory").total(12).step(0).build();
            progress.note("resident MB at start: " + rssMb());
            progress.update(0, "DPO steps");
            for (int round = 0; round < 6; round++) {
                learner.train(pairs, 5, round);
                progress.note("after " + 5 * (round + 1) + " DPO steps: " + rssMb());
                progress.update(round + 1, round < 5 ? "DPO steps" : "gate scoring");
            }
            for (int round = 0; round < 3; round++) {
                gate.score(learner.policy(), m);
                progress.note("after gate scoring " + (round + 1) + ": " + rssMb());
                progress.update(7 + round, round < 2 ? "gate scoring" : "checkpoint saves");
            }
            for (int round = 0; round < 3; round++) {
                learner.checkpoints(Map.of(), Map.of());
                progress.note("after checkpoint save " + (round + 1) + ": " + rssMb());
                progress.update(10 + round, "checkpoint saves");
            }
            progress.done("30 DPO steps, 3 gate scorings, 3 checkpoint saves (LoRA rank " + rank + ")");
        }
    }
}
