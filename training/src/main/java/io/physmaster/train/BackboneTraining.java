package io.physmaster.train;

import io.physmaster.model.ModelRuntime;
import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.physmaster.model.BackbonePretrainer;
import io.physmaster.model.Checkpoint;
import io.physmaster.model.ModelConfig;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.Split;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

/** Pretrains the backbone on the simulator's dense first-frame labels; the result is frozen afterwards. */
public final class BackboneTraining {

    public static double run(ModelConfig cfg, int scenes, int steps, int batch, long seed, Path out, PrintStream log)
            throws IOException {
        Device device = ModelRuntime.device();
        ClipData data = ClipData.render(Split.TRAIN, scenes, ClipSpec.MODEL);
        int s = ClipSpec.MODEL.size();
        int plane = s * s;
        try (Model model = Model.newInstance("backbone", device)) {
            BackbonePretrainer net = new BackbonePretrainer(cfg.backboneWidth());
            net.setInitializer(new ConstantInitializer(0f), Parameter.Type.BIAS);
            net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1));
            model.setBlock(net);
            DefaultTrainingConfig tc = new DefaultTrainingConfig(Loss.l2Loss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build())
                    .optDevices(new Device[] {device});
            Random rnd = new Random(seed);
            TrainingProgress progress = new TrainingProgress("backbone", 0, steps, log);
            try (Trainer trainer = model.newTrainer(tc)) {
                for (int step = 1; step <= steps; step++) {
                    int[] idx = Batches.sample(rnd, data.count, batch);
                    float[] first = new float[batch * 3 * plane];
                    int[] material = new int[batch * plane];
                    float[] height = new float[batch * plane];
                    float[] surface = new float[batch * plane];
                    for (int b = 0; b < batch; b++) {
                        float[] v = data.videoSigned(idx[b]);
                        System.arraycopy(v, 0, first, b * 3 * plane, 3 * plane);
                        for (int p = 0; p < plane; p++) {
                            material[b * plane + p] = data.material[idx[b]][p];
                            height[b * plane + p] = data.height[idx[b]][p];
                            surface[b * plane + p] = data.surface[idx[b]][p];
                        }
                    }
                    try (NDManager m = trainer.getManager().newSubManager();
                         GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray pred = trainer.forward(new NDList(m.create(first, new Shape(batch, 3, s, s))))
                                .singletonOrThrow();
                        NDArray loss = BackbonePretrainer.loss(pred, m.create(material, new Shape(batch, s, s)),
                                m.create(height, new Shape(batch, s, s)), m.create(surface, new Shape(batch, s, s)));
                        gc.backward(loss);
                        progress.update(step, loss.getFloat());
                    }
                    trainer.step();
                    if (step % 50 == 0 || step == steps) {
                        progress.print(step, "");
                    }
                }
            }
            progress.done("");
            Checkpoint.save(out, "backbone", cfg, net.backbone(), steps,
                    Map.of("seed", seed, "train_scenes", scenes), Map.of("label_loss", progress.smoothed()));
            log.printf("saved %s%n", out);
            return progress.smoothed();
        }
    }

    private BackboneTraining() {
    }
}
