package io.physmaster.faults;

import ai.djl.ndarray.NDManager;
import io.physmaster.model.Checkpoint;
import io.physmaster.model.ModelConfig;
import io.physmaster.model.ModelRuntime;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A small random-weight model for the worker (so sampling takes milliseconds) and, for the escape scenario, a
 * valid physical-head checkpoint of it with other weights: a worker that read it would serve it.
 */
final class TinyModel {

    /** 16 frames of 32x32, D=16, one block: the size the closed-loop demo test uses. */
    static final ModelConfig CONFIG = new ModelConfig(16, 32, 4, 16, 2, 1, 16, 8);

    /** Writes the model checkpoint to {@code model} and a different head for it to {@code head}. */
    static void write(Path model, Path head) throws IOException {
        ModelRuntime.setUp();
        try (NDManager m = NDManager.newBaseManager()) {
            PhysMasterModel net = Models.create(CONFIG, m);
            // An untrained DiT's zero output layer makes every sample the static video; random output weights
            // make samples differ by seed, like a trained model's.
            for (var p : net.getParameters()) {
                if (p.getKey().contains("ada") || p.getKey().contains("final")) {
                    var a = p.getValue().getArray();
                    a.addi(m.randomNormal(0f, 0.3f, a.getShape(), a.getDataType()));
                }
            }
            Checkpoint.save(model, "model", CONFIG, net, 0, Map.of(), Map.of());
            for (var p : net.encoder().head().getParameters()) {
                var a = p.getValue().getArray();
                a.addi(m.randomNormal(0f, 0.1f, a.getShape(), a.getDataType()));
            }
            Checkpoint.save(head, "head", CONFIG, net.encoder().head(), 1, Map.of("tag", "outside"), Map.of());
        }
    }

    private TinyModel() {
    }
}
