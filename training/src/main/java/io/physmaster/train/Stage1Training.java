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
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.physmaster.model.Checkpoint;
import io.physmaster.model.FlowMatching;
import io.physmaster.model.ModelConfig;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.model.ScalarOps;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Stage I (SFT of the DiT and the physical head, backbone frozen) and the "DiT only" baseline: flow-matching
 * training on simulator clips, with periodic checkpoints, resume and a held-out loss.
 */
public final class Stage1Training {

    /** Settings of one run. */
    public record Settings(ModelConfig config, Path backbone, int trainScenes, int heldOutScenes, int steps,
                           int batch, float learningRate, float physDropout, float occupancyWeight, float uniformTimes, long seed,
                           int checkpointEvery, Path out, boolean resume) {
    }

    public static Map<String, Double> run(Settings s, PrintStream log) throws IOException {
        Device device = ModelRuntime.device();
        log.printf("Stage I (%s): %s, %d steps of %d, device %s%n", s.config().usesPhysEncoder() ? "DiT + PhysEncoder"
                : "DiT only", s.config(), s.steps(), s.batch(), ModelRuntime.describe());
        long t0 = System.nanoTime();
        ClipData train = ClipData.render(io.physmaster.sim.Split.TRAIN, s.trainScenes(), io.physmaster.sim.ClipSpec.MODEL);
        ClipData held = ClipData.render(io.physmaster.sim.Split.SEEN_TEST, s.heldOutScenes(), io.physmaster.sim.ClipSpec.MODEL);
        log.printf("rendered %d training and %d held-out clips in %.1f s%n", train.count, held.count,
                (System.nanoTime() - t0) / 1e9);

        try (Model model = Model.newInstance("physmaster", device)) {
            PhysMasterModel net = new PhysMasterModel(s.config());
            net.setInitializer(new ConstantInitializer(0f), Parameter.Type.BIAS);
            net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1));
            model.setBlock(net);
            long startStep = 0;
            if (s.resume() && Files.exists(s.out())) {
                startStep = Checkpoint.load(s.out(), "model", s.config(), net, model.getNDManager()).step();
                log.printf("resumed from %s at step %d (optimizer moments restart)%n", s.out(), startStep);
            } else if (s.config().usesPhysEncoder()) {
                // The backbone checkpoint names the v1 architecture: only its backbone width must match.
                Checkpoint.load(s.backbone(), "backbone", s.config().withPhysPath(false, 0).withPhysPlan(false), net.encoder().backbone(),
                        model.getNDManager());
                log.printf("loaded frozen backbone %s%n", s.backbone());
            }
            if (net.encoder() != null) {
                net.encoder().backbone().freezeParameters(true);
            }
            DefaultTrainingConfig tc = new DefaultTrainingConfig(Loss.l2Loss())
                    // 50 warm-up steps, then cosine decay to lr/10 over the remaining steps of this run.
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.warmUp()
                                    .setMainTracker(Tracker.cosine().setBaseValue(s.learningRate())
                                            .optFinalValue(s.learningRate() / 10)
                                            .setMaxUpdates((int) Math.max(1, s.steps() - startStep)).build())
                                    .optWarmUpSteps(50).build())
                            .optClipGrad(1f).build())
                    .optDevices(new Device[] {device});
            Map<String, Double> figures = new LinkedHashMap<>();
            try (Trainer trainer = model.newTrainer(tc)) {
                Random rnd = new Random(s.seed() + startStep);
                TrainingProgress progress = new TrainingProgress(s.config().usesPhysEncoder() ? "stage1" : "dit-only", startStep,
                        s.steps(), log);
                double heldOut = Double.NaN;
                double occLoss = 0;
                int skipped = 0;
                for (long step = startStep + 1; step <= s.steps(); step++) {
                    double loss;
                    try (NDManager m = trainer.getManager().newSubManager()) {
                        Batches.VideoBatch b = Batches.videos(m, train, Batches.sample(rnd, train.count, s.batch()));
                        NDArray z0 = Batches.noise(m, rnd, b.z1().getShape());
                        NDArray t = Batches.times(m, rnd, s.batch(), s.uniformTimes());
                        NDArray keep = keepMask(m, rnd, s.batch(), s.physDropout());
                        NDArray xt = FlowMatching.interpolate(b.z1(), z0, t);
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDList out = trainer.forward(new NDList(xt, t, b.first(), keep));
                            NDArray l = FlowMatching.cappedLoss(out.get(0), FlowMatching.targetVelocity(b.z1(), z0), t);
                            loss = l.getFloat();
                            if (out.size() > 1 && s.occupancyWeight() > 0) {
                                // The head's supervised target: where the objects' mass is in each frame.
                                NDArray occ = Batches.occupancy(m, train, b.index(), s.config().patch());
                                NDArray lo = out.get(1).sub(occ).square().mean();
                                occLoss = occLoss * 0.98 + 0.02 * lo.getFloat();
                                l = l.add(ScalarOps.times(lo, s.occupancyWeight()));
                            }
                            if (Double.isFinite(loss)) {
                                gc.backward(l);
                                String bad = firstNonFinite(net);
                                if (bad != null) {
                                    // A finite loss can still back-propagate an inf. Skip the update, and zero the
                                    // gradients: they accumulate until the optimizer's step clears them.
                                    progress.note(String.format("step %d: non-finite gradient in %s", step, bad));
                                    zeroGradients(net);
                                    loss = Double.NaN;
                                }
                            }
                        }
                        if (!Double.isFinite(loss)) {
                            skipped++; // never let one bad batch poison the weights
                            progress.note(String.format("step %d: non-finite loss or gradient, update skipped (%d so far)",
                                    step, skipped));
                            if (skipped > 20 + step / 20) { // a few are harmless; many mean divergence
                                throw new IllegalStateException("training diverged: " + skipped
                                        + " non-finite losses; last good checkpoint kept at " + s.out());
                            }
                            continue;
                        }
                        trainer.step();
                    }
                    progress.update(step, loss);
                    if (step % 25 == 0 || step == s.steps()) {
                        if (step % 250 == 0 || step == s.steps()) {
                            heldOut = heldOutLoss(net, model.getNDManager(), held, s.batch());
                        }
                        progress.print(step, (Double.isNaN(heldOut) ? "" : String.format("  held-out %.4f", heldOut))
                                + (occLoss > 0 ? String.format("  occupancy %.4f", occLoss) : ""));
                    }
                    if ((step % s.checkpointEvery() == 0 || step == s.steps()) && Double.isFinite(progress.smoothed())) {
                        figures.put("train_loss", progress.smoothed());
                        figures.put("held_out_loss", heldOut);
                        figures.put("seconds", (System.nanoTime() - t0) / 1e9);
                        Checkpoint.save(s.out(), "model", s.config(), net, step,
                                Map.of("seed", s.seed(), "train_scenes", s.trainScenes(), "split", "train"), figures);
                    }
                }
                progress.done(Double.isNaN(heldOut) ? "" : String.format("  held-out %.4f", heldOut));
            }
            log.printf("saved %s%n", s.out());
            return figures;
        }
    }

    /** The first trainable parameter whose gradient is not finite, or null (checked before the update). */
    static String firstNonFinite(PhysMasterModel net) {
        for (var p : net.getParameters()) {
            if (p.getValue().requiresGradient()
                    && !io.physmaster.dpo.DpoSteps.finiteGradients(java.util.List.of(p.getValue()))) {
                return p.getKey();
            }
        }
        return null;
    }

    static void zeroGradients(PhysMasterModel net) {
        java.util.List<ai.djl.nn.Parameter> all = new java.util.ArrayList<>();
        net.getParameters().forEach(p -> all.add(p.getValue()));
        io.physmaster.dpo.DpoSteps.zeroGradients(all);
    }

    static NDArray keepMask(NDManager m, Random rnd, int n, float dropout) {
        float[] k = new float[n];
        for (int i = 0; i < n; i++) {
            k[i] = rnd.nextFloat() < dropout ? 0f : 1f;
        }
        return m.create(k);
    }

    /** Mean flow-matching loss on fixed held-out clips, noise and times (comparable across runs). */
    public static double heldOutLoss(PhysMasterModel net, NDManager parent, ClipData held, int batch) {
        Random rnd = new Random(12345);
        double total = 0;
        int batches = 0;
        try (NDManager m = parent.newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            for (int from = 0; from + batch <= held.count; from += batch) {
                Batches.VideoBatch b = Batches.videos(m, held, Batches.range(from, batch));
                NDArray z0 = Batches.noise(m, rnd, b.z1().getShape());
                NDArray t = Batches.times(m, rnd, batch);
                NDArray xt = FlowMatching.interpolate(b.z1(), z0, t);
                NDArray v = net.velocity(ps, xt, t, b.first(), net.physical(ps, b.first(), false), false);
                total += FlowMatching.loss(v, FlowMatching.targetVelocity(b.z1(), z0)).getFloat();
                batches++;
            }
        }
        return batches == 0 ? Double.NaN : total / batches;
    }

    private Stage1Training() {
    }
}
