package io.physmaster.trainer;

import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * Poisoned preferences must not roll anything out: the shipped Stage I model, trained online on pairs whose
 * preference is flipped (the frozen video preferred over the simulator's), makes a candidate the anchored gate
 * refuses.
 */
class FlippedPreferencesIT {

    @TempDir
    Path dir;

    @Test
    void aPolicyTrainedOnFlippedPreferencesIsNotRolledOut() throws Exception {
        ModelRuntime.setUp();
        Path model = Path.of(System.getProperty("physmaster.root", "..")).resolve("models/stage1.pmck");
        assertTrue(Files.isRegularFile(model), "the shipped Stage I model: " + model);
        DpoTrainerSettings settings = new DpoTrainerSettings(new ConnectionSettings("localhost:1", "http://localhost:1",
                dir.toString(), Map.of()), model, "stage1", 0, 2000f, 3e-4f, 8, 2000, 256, 0, 12, 0, 8, 0);
        List<DpoSteps.Pair> flipped = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            RenderedClip truth = ProxyTask.render(ProxyTask.scene(Split.TRAIN, i), ClipSpec.MODEL);
            flipped.add(new DpoSteps.Pair(truth.frame(0), truth.frozenVideo(), truth.video()));
        }
        try (NDManager m = NDManager.newBaseManager(); LocalBlobStore blobs = new LocalBlobStore(dir)) {
            OnlineLearner learner = new OnlineLearner(settings, blobs, m);
            Gate gate = new Gate(settings.gateScenes(), settings.sampleSteps(), settings.gateTolerance());
            Gate.Scores anchor = gate.score(learner.reference(), m);
            DpoSteps.Result r = learner.train(flipped, 16, 1);
            Gate.Verdict v = gate.decide(gate.score(learner.policy(), m), anchor, anchor);
            System.out.printf("flipped preferences: loss %.3f, reward accuracy %.2f; gate: %s%n", r.loss(),
                    r.rewardAccuracy(), v.reason());
            assertTrue(r.rewardAccuracy() > 0.5, "the policy did learn the flipped preference: " + r);
            assertFalse(v.pass(), "a policy trained on flipped preferences is refused: " + v.reason());
        }
    }
}
