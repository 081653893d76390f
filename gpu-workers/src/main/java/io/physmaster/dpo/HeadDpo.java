package io.physmaster.dpo;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.physmaster.model.PhysMasterModel;
import java.util.List;
import java.util.Random;

/**
 * Stage III update: Flow-DPO on the physical head only (backbone and DiT frozen) against a frozen reference.
 * Pairs are (first frame, preferred video, rejected video), each video [T, 3, H, W] in [0, 1].
 */
public final class HeadDpo {

    /** A preference pair as pixels. */
    public record Pair(float[] first, float[] preferred, float[] rejected) {
    }

    /** Figures of one update. */
    public record Result(double loss, double rewardAccuracy, double rewardMargin, int steps) {
    }

    public static Result train(PhysMasterModel policy, PhysMasterModel reference, List<Pair> pairs, int steps,
                               int batch, float beta, float lr, long seed, NDManager manager) {
        policy.dit().freezeParameters(true);
        policy.encoder().backbone().freezeParameters(true);
        policy.encoder().head().freezeParameters(false);
        Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(lr)).build();
        Random rnd = new Random(seed);
        int s = policy.config().size();
        int f = policy.config().frames() - 1;
        int plane = 3 * s * s;
        double loss = 0;
        double acc = 0;
        double margin = 0;
        for (int step = 0; step < steps; step++) {
            int n = Math.min(batch, pairs.size());
            float[] first = new float[n * plane];
            float[] zw = new float[n * f * plane];
            float[] zl = new float[n * f * plane];
            for (int i = 0; i < n; i++) {
                Pair p = pairs.get(rnd.nextInt(pairs.size()));
                for (int k = 0; k < plane; k++) {
                    first[i * plane + k] = p.first()[k] * 2 - 1;
                }
                for (int k = 0; k < f * plane; k++) {
                    zw[i * f * plane + k] = p.preferred()[plane + k] * 2 - 1; // frames 1..T-1
                    zl[i * f * plane + k] = p.rejected()[plane + k] * 2 - 1;
                }
            }
            float[] noise = new float[n * f * plane];
            for (int k = 0; k < noise.length; k++) {
                noise[k] = (float) rnd.nextGaussian();
            }
            float[] times = new float[n];
            for (int i = 0; i < n; i++) {
                times[i] = rnd.nextFloat();
            }
            try (NDManager m = manager.newSubManager()) {
                ParameterStore ps = new ParameterStore(m, false);
                Shape video = new Shape(n, f, 3, s, s);
                FlowDpo.Terms terms;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    // Same noise and time for preferred and rejected, as Eq. 3 requires.
                    terms = FlowDpo.pairLoss(ps, policy, reference, m.create(zw, video), m.create(zl, video),
                            m.create(first, new Shape(n, 3, s, s)), m.create(noise, video), m.create(times), beta, true);
                    gc.backward(terms.loss());
                }
                for (var p : policy.encoder().head().getParameters()) {
                    NDArray w = p.getValue().getArray();
                    if (w.hasGradient()) {
                        adam.update(p.getValue().getId(), w, w.getGradient());
                    }
                }
                loss += terms.loss().getFloat();
                acc += terms.rewardAccuracy();
                margin += terms.rewardMargin();
            }
        }
        return new Result(loss / steps, acc / steps, margin / steps, steps);
    }

    private HeadDpo() {
    }
}
