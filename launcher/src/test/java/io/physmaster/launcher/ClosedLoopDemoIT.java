package io.physmaster.launcher;

import io.physmaster.model.ModelRuntime;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.physmaster.model.Checkpoint;
import io.physmaster.model.ModelConfig;
import io.physmaster.model.Models;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shortened closed loop end to end: its own stack, a worker, the Streams app, the judge, the trainer and the
 * annotator page, with a small model, until one encoder version is published and evaluated.
 */
class ClosedLoopDemoIT {

    @TempDir
    Path dir;

    @Test
    void theLoopPublishesAnEncoderVersionAndReportsIt() throws Exception {
        ModelConfig small = new ModelConfig(16, 32, 4, 16, 2, 1, 16, 8);
        Path model = dir.resolve("small.pmck");
        ModelRuntime.setUp();
        try (NDManager m = NDManager.newBaseManager()) {
            var net = Models.create(small, m);
            // An untrained DiT predicts the static video whatever the noise (zero-initialised output layer), so the
            // judge could never prefer one sample. Random output weights make samples differ by seed.
            for (var p : net.getParameters()) {
                if (p.getKey().contains("ada") || p.getKey().contains("final")) {
                    var a = p.getValue().getArray();
                    a.addi(m.randomNormal(0f, 0.3f, a.getShape(), a.getDataType()));
                }
            }
            Checkpoint.save(model, "model", small, net, 0, Map.of(), Map.of());
        }
        try (ClosedLoopDemo demo = new ClosedLoopDemo()) {
            ClosedLoopDemo.Result r = demo.run(new ClosedLoopDemo.Options(dir.resolve("out"), model, 0, 0, 0, 1, 0,
                    Duration.ofMinutes(4), 4, 2, 2, 2000f, 1e-3f, 2, 0, 2, 100.0, Duration.ofSeconds(3), 2, 2), System.out);
            assertTrue(r.points().size() >= 2, "stage1 plus at least one published version: " + r.points());
            // Preference events in, batches out, a version trained, and the worker serving it.
            assertEquals(r.points().get(r.points().size() - 1).version(), r.servedVersion(),
                    "the worker serves the newest published version");
            assertTrue(r.videos() >= 8, "videos saved: " + r.videos());
            assertTrue(r.preferences() >= 1, "judge preferences: " + r.preferences());
            assertTrue(Files.size(r.plot()) > 1000);
            String report = Files.readString(r.report());
            assertTrue(report.contains("| 1 | online-"), report);
            assertTrue(report.contains("judge score vs base") && report.matches("(?s).*(beyond noise|includes zero).*"),
                    report);
        }
    }
}
