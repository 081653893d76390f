package io.physmaster.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.physmaster.blob.LocalBlobStore;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Poisoned preferences must not roll anything out: the shipped Stage I model learns online, as the trainer does,
 * from a stream of windows whose preference is flipped (the frozen video preferred over the simulator's): each
 * window's first pass (the fast path) and then consolidation over everything so far with fresh noise, every
 * candidate offered to the anchored gate against the version in service. None passes.
 */
class FlippedPreferencesIT {

    static final int WINDOWS = 3;
    static final int PAIRS_PER_WINDOW = 16;
    static final int CONSOLIDATION_STEPS = 4;

    @TempDir
    Path dir;

    @Test
    void aStreamOfFlippedPreferencesRollsNothingOut() throws Exception {
        ModelRuntime.setUp();
        Path model = Path.of(System.getProperty("physmaster.root", "..")).resolve("models/stage1.pmck");
        assertTrue(Files.isRegularFile(model), "the shipped Stage I model: " + model);
        DpoTrainerSettings settings = new DpoTrainerSettings(new ConnectionSettings("localhost:1", "http://localhost:1",
                dir.toString(), Map.of()), model, "stage1", 0, 2000f, 3e-4f, 8, 2000, 256, CONSOLIDATION_STEPS, 12, 0,
                8, 0);
        try (NDManager m = NDManager.newBaseManager(); LocalBlobStore blobs = new LocalBlobStore(dir)) {
            OnlineLearner learner = new OnlineLearner(settings, blobs, m);
            Gate gate = new Gate(settings.gateScenes(), settings.sampleSteps(), settings.gateTolerance());
            Gate.Scores anchor = gate.score(learner.reference(), m);
            Gate.Scores inService = anchor;
            List<DpoSteps.Pair> seen = new ArrayList<>();
            List<String> verdicts = new ArrayList<>();
            DpoSteps.Result last = null;
            for (int w = 0; w < WINDOWS; w++) {
                List<DpoSteps.Pair> window = flipped(w * PAIRS_PER_WINDOW, PAIRS_PER_WINDOW);
                seen.addAll(window);
                learner.train(window, settings.steps(window.size()), w);
                Gate.Verdict fast = gate.decide(gate.score(learner.policy(), m), inService, anchor);
                last = learner.train(seen, CONSOLIDATION_STEPS, 100 + w);
                Gate.Verdict consolidated = gate.decide(gate.score(learner.policy(), m), inService, anchor);
                for (Gate.Verdict v : List.of(fast, consolidated)) {
                    verdicts.add((v.pass() ? "PASS " : "refused ") + v.reason());
                    inService = v.pass() ? v.candidate() : inService;
                }
            }
            verdicts.forEach(v -> System.out.println("flipped preferences, candidate: " + v));
            System.out.printf("flipped preferences: %d steps, last loss %.3f, reward accuracy %.2f%n", learner.steps(),
                    last.loss(), last.rewardAccuracy());
            assertTrue(last.rewardAccuracy() > 0.5, "the policy did learn the flipped preference: " + last);
            assertEquals(0, verdicts.stream().filter(v -> v.startsWith("PASS")).count(),
                    "no candidate trained on flipped preferences is rolled out: " + verdicts);
        }
    }

    /** Pairs of training scenes with the frozen video preferred over the simulated one. */
    private static List<DpoSteps.Pair> flipped(int from, int n) {
        List<DpoSteps.Pair> out = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            RenderedClip truth = ProxyTask.render(ProxyTask.scene(Split.TRAIN, i), ClipSpec.MODEL);
            out.add(new DpoSteps.Pair(truth.frame(0), truth.frozenVideo(), truth.video()));
        }
        return out;
    }
}
