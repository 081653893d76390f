package io.physmaster.dpo;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.physmaster.model.FlowMatching;
import io.physmaster.model.PhysMasterModel;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Flow-DPO updates of a chosen set of parameters (LoRA adapters for Stage II, the physical head for Stage III,
 * both for joint DPO) against a frozen reference model. Every other parameter of the policy is left untouched:
 * only {@code trainable} get an optimizer step, and the frozen ones get no gradient.
 */
public final class DpoSteps {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(DpoSteps.class);

    /**
     * A preference pair as pixels: first frame [3, H, W], preferred and rejected videos [T, 3, H, W] in [0, 1].
     * With a {@code noiseSeed}, its noise and time are {@link #drawNoise}(noiseSeed) instead of the run's random
     * draws, and {@code reference} may then hold the reference's errors on it, computed ahead
     * ({@link ReferenceErrors}), so the step runs the policy only.
     */
    public record Pair(float[] first, float[] preferred, float[] rejected, Long noiseSeed, Reference reference) {

        public Pair(float[] first, float[] preferred, float[] rejected) {
            this(first, preferred, rejected, null, null);
        }

        public Pair {
            if (reference != null && noiseSeed == null) {
                throw new IllegalArgumentException("reference errors are only valid with the noise seed they used");
            }
        }

        public Pair withReference(Reference r) {
            return new Pair(first, preferred, rejected, noiseSeed, r);
        }
    }

    /** The frozen reference's errors e_ref on a pair's preferred and rejected video. */
    public record Reference(float preferred, float rejected) {
    }

    /** Pixels in [0, 1] to the model's [-1, 1]: {@code dst[to..] = 2 * src[from..] - 1} for {@code length} values. */
    static void toModelRange(float[] src, int from, float[] dst, int to, int length) {
        for (int k = 0; k < length; k++) {
            dst[to + k] = src[from + k] * 2 - 1;
        }
    }

    /**
     * A pair's noise z0 (frames 1..T-1, {@code into[offset, offset + length)}) and time t from its seed: the same
     * for the step and for whoever computed the reference errors ahead of it.
     */
    public static float drawNoise(long seed, float[] into, int offset, int length) {
        Random r = new Random(seed);
        for (int k = 0; k < length; k++) {
            into[offset + k] = (float) r.nextGaussian();
        }
        return FlowMatching.sampleTime(r);
    }

    /** Figures of one step (or the mean of several). */
    public record Figures(int step, double loss, double rewardAccuracy, double rewardMargin, double distance) {
    }

    /**
     * Figures averaged over the run and the steps actually applied; {@code pairsWithKnownReference}: pair visits
     * whose step ran without the reference model (every pair of the step had its errors computed ahead).
     */
    public record Result(double loss, double rewardAccuracy, double rewardMargin, double distance, int steps,
                         int skipped, int pairsWithKnownReference) {
    }

    /**
     * Runs {@code steps} Adam steps on minibatches of {@code batch} pairs (passes over the pairs in orders drawn
     * with {@code seed}); calls
     * {@code progress} after every step. Steps whose gradient is not finite are skipped.
     */
    public static Result train(PhysMasterModel policy, PhysMasterModel reference, List<Parameter> trainable,
                               List<Pair> pairs, int steps, int batch, float beta, float lr, long seed,
                               NDManager manager, Consumer<Figures> progress) {
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("no preference pairs to train on");
        }
        policy.freezeParameters(true);
        reference.freezeParameters(true);
        for (Parameter p : trainable) {
            p.freeze(false);
        }
        Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(lr)).optClipGrad(1f).build();
        Random rnd = new Random(seed);
        int s = policy.config().size();
        int f = policy.config().frames() - 1;
        int plane = 3 * s * s;
        double loss = 0;
        double acc = 0;
        double margin = 0;
        double distance = 0;
        int skipped = 0;
        int precomputed = 0;
        // Pairs are drawn in passes: each pass visits every pair once, in a fresh random order (so "one pass"
        // trains on the whole batch, not on a sample with repeats).
        int[] order = new int[pairs.size()];
        int next = order.length;
        for (int step = 1; step <= steps; step++) {
            int n = Math.min(batch, pairs.size());
            float[] first = new float[n * plane];
            float[] zw = new float[n * f * plane];
            float[] zl = new float[n * f * plane];
            Pair[] drawn = new Pair[n];
            for (int i = 0; i < n; i++) {
                if (next == order.length) {
                    shuffle(order, rnd);
                    next = 0;
                }
                Pair p = pairs.get(order[next++]);
                drawn[i] = p;
                toModelRange(p.first(), 0, first, i * plane, plane);
                toModelRange(p.preferred(), plane, zw, i * f * plane, f * plane); // frames 1..T-1
                toModelRange(p.rejected(), plane, zl, i * f * plane, f * plane);
            }
            float[] noise = new float[n * f * plane];
            float[] times = new float[n];
            float[] ref = new float[2 * n]; // preferred errors, then rejected: FlowDpo's [2B] order
            boolean refKnown = true;
            for (int i = 0; i < n; i++) { // all noise, then all times: the draw order of unseeded runs so far
                if (drawn[i].noiseSeed() != null) {
                    times[i] = drawNoise(drawn[i].noiseSeed(), noise, i * f * plane, f * plane);
                } else {
                    for (int k = 0; k < f * plane; k++) {
                        noise[i * f * plane + k] = (float) rnd.nextGaussian();
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                Pair p = drawn[i];
                if (p.noiseSeed() == null) {
                    times[i] = FlowMatching.sampleTime(rnd);
                }
                refKnown &= p.reference() != null;
                if (p.reference() != null) {
                    ref[i] = p.reference().preferred();
                    ref[n + i] = p.reference().rejected();
                }
            }
            if (refKnown) {
                precomputed += n;
            }
            try (NDManager m = manager.newSubManager()) {
                ParameterStore ps = new ParameterStore(m, false);
                Shape video = new Shape(n, f, 3, s, s);
                FlowDpo.Terms terms;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    // Same noise and time for preferred and rejected, as Eq. 3 requires.
                    NDArray zwA = m.create(zw, video);
                    NDArray zlA = m.create(zl, video);
                    NDArray firstA = m.create(first, new Shape(n, 3, s, s));
                    NDArray noiseA = m.create(noise, video);
                    NDArray timesA = m.create(times);
                    terms = refKnown
                            ? FlowDpo.pairLoss(ps, policy, zwA, zlA, firstA, noiseA, timesA, m.create(ref), beta, true)
                            : FlowDpo.pairLoss(ps, policy, reference, zwA, zlA, firstA, noiseA, timesA, beta, true);
                    gc.backward(terms.loss());
                }
                boolean finiteLoss = Float.isFinite(terms.loss().getFloat());
                boolean finite = finiteLoss && finiteGradients(trainable);
                if (!finite) {
                    String bad = trainable.stream().filter(p -> !finiteGradients(List.of(p))).map(Parameter::getName)
                            .findFirst().orElse("none");
                    log.warn("event=dpo_step_skipped step={} loss={} first_non_finite_gradient={} times={}", step,
                            terms.loss().getFloat(), bad, java.util.Arrays.toString(times));
                }
                if (finite) {
                    for (Parameter p : trainable) {
                        NDArray w = p.getArray();
                        if (w.hasGradient()) {
                            adam.update(p.getId(), w, w.getGradient());
                        }
                    }
                } else {
                    skipped++;
                }
                zeroGradients(trainable); // DJL accumulates gradients until something clears them
                Figures fig = new Figures(step, terms.loss().getFloat(), terms.rewardAccuracy(), terms.rewardMargin(),
                        terms.distance());
                if (finite) {
                    loss += fig.loss();
                    acc += fig.rewardAccuracy();
                    margin += fig.rewardMargin();
                    distance += fig.distance();
                }
                progress.accept(fig);
            }
        }
        int applied = Math.max(1, steps - skipped);
        return new Result(loss / applied, acc / applied, margin / applied, distance / applied, steps - skipped, skipped,
                precomputed);
    }

    /** order := a uniformly random permutation of 0..n-1 (Fisher-Yates). */
    static void shuffle(int[] order, Random rnd) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        for (int i = order.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    public static boolean finiteGradients(List<Parameter> params) {
        for (Parameter p : params) {
            NDArray a = p.getArray();
            if (a.hasGradient()) {
                try (NDArray g = a.getGradient(); NDArray sum = g.sum()) {
                    if (!Float.isFinite(sum.getFloat())) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** Overwrites with 0 (GradientCollector.zeroGradients subtracts, which keeps a NaN). */
    public static void zeroGradients(List<Parameter> params) {
        for (Parameter p : params) {
            NDArray a = p.getArray();
            if (a.hasGradient()) {
                try (NDArray g = a.getGradient()) {
                    g.set(new ai.djl.ndarray.index.NDIndex("..."), 0f);
                }
            }
        }
    }

    private DpoSteps() {
    }
}
