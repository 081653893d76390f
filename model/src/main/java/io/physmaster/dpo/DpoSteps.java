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
import io.physmaster.model.ComputeLock;
import io.physmaster.model.FlowMatching;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.model.ScalarOps;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Flow-DPO updates of a chosen set of parameters (LoRA adapters for Stage II, the physical head for Stage III,
 * both for joint DPO) against a frozen reference model. Every other parameter of the policy is left untouched:
 * only {@code trainable} get an optimizer step, and the frozen ones get no gradient.
 *
 * <p>Over 300 lines: one algorithm (draw a minibatch, step, sum up) with the pair types it shares.
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
    public static void toModelRange(float[] src, int from, float[] dst, int to, int length) {
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

    /** Figures of one step (or the mean of several); {@code anchorLoss} is 0 without an anchor. */
    public record Figures(int step, double loss, double rewardAccuracy, double rewardMargin, double distance,
                          double anchorLoss) {

        public Figures(int step, double loss, double rewardAccuracy, double rewardMargin, double distance) {
            this(step, loss, rewardAccuracy, rewardMargin, distance, 0);
        }
    }

    /**
     * Figures averaged over the run and the steps actually applied; {@code pairsWithKnownReference}: pair visits
     * whose step ran without the reference model (every pair of the step had its errors computed ahead).
     */
    public record Result(double loss, double rewardAccuracy, double rewardMargin, double distance, int steps,
                         int skipped, int pairsWithKnownReference) {
    }

    /**
     * How a run trains.
     *
     * @param steps        Adam steps
     * @param batch        preference pairs per step (at most the number of pairs)
     * @param beta         Flow-DPO beta (errors are per-pixel means, so differences are small: beta is large)
     * @param learningRate Adam learning rate (fixed)
     * @param seed         pair order, noise and times of pairs without their own noise seed
     * @param anchor       a supervised term added to every step ({@link Anchor}), or null for plain Flow-DPO
     * @param anchorWeight its weight: L = L_DPO + anchorWeight * L_anchor
     */
    public record Config(int steps, int batch, float beta, float learningRate, long seed, Anchor anchor,
                         float anchorWeight) {
        public Config {
            if (steps < 1 || batch < 1) {
                throw new IllegalArgumentException("steps and batch must be >= 1, got " + steps + " and " + batch);
            }
            if (anchor != null && !(anchorWeight > 0)) {
                throw new IllegalArgumentException("an anchor needs a weight > 0, got " + anchorWeight);
            }
        }

        public Config(int steps, int batch, float beta, float learningRate, long seed) {
            this(steps, batch, beta, learningRate, seed, null, 0f);
        }
    }

    /**
     * Runs {@code c.steps()} Adam steps on minibatches of pairs, drawn in passes: each pass visits every pair
     * once in a fresh random order, so "one pass" trains on the whole batch, not on a sample with repeats.
     * Calls {@code progress} after every step; a step whose gradient is not finite is skipped.
     */
    public static Result train(PhysMasterModel policy, PhysMasterModel reference, List<Parameter> trainable,
                               List<Pair> pairs, Config c, NDManager manager, Consumer<Figures> progress) {
        return train(policy, reference, trainable, pairs, c, adam(Tracker.fixed(c.learningRate())), manager, progress);
    }

    /** Adam with gradients clipped to norm 1, at the tracker's learning rate. */
    public static Optimizer adam(Tracker learningRate) {
        return Optimizer.adam().optLearningRateTracker(learningRate).optClipGrad(1f).build();
    }

    /**
     * The same with the caller's optimizer, whose state (moments, step count, learning-rate schedule) carries
     * over from call to call; {@code c.learningRate()} is then the optimizer's business, not read here.
     */
    public static Result train(PhysMasterModel policy, PhysMasterModel reference, List<Parameter> trainable,
                               List<Pair> pairs, Config c, Optimizer adam, NDManager manager,
                               Consumer<Figures> progress) {
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("no preference pairs to train on");
        }
        policy.freezeParameters(true);
        reference.freezeParameters(true);
        for (Parameter p : trainable) {
            p.freeze(false);
        }
        Random rnd = new Random(c.seed());
        PairOrder order = new PairOrder(pairs.size(), rnd);
        Totals totals = new Totals();
        for (int step = 1; step <= c.steps(); step++) {
            Minibatch mb = Minibatch.draw(pairs, order, Math.min(c.batch(), pairs.size()), policy, rnd);
            Figures fig = step(policy, reference, trainable, mb, c, adam, step, manager);
            totals.add(fig, mb);
            progress.accept(fig);
        }
        return totals.result(c.steps());
    }

    /**
     * Pairs per forward/backward pass inside a step. A step's gradient is the mean over its minibatch; computing
     * it pass by pass and adding the passes' gradients (each weighted by its share of the pairs) gives the same
     * gradient, while only one pass's activations are alive at a time: a whole 8-pair step through the DiT took
     * about 3.6 GB of activations (the demo's memory peaks, docs/results/soak.md), a 2-pair pass a quarter of it.
     */
    static final int PAIRS_PER_PASS = 2;

    /** One Adam step on a minibatch; the figures' loss is NaN when the step was skipped (non-finite gradient). */
    private static Figures step(PhysMasterModel policy, PhysMasterModel reference, List<Parameter> trainable,
                                Minibatch mb, Config c, Optimizer adam, int step, NDManager manager) {
        try (ComputeLock.Held held = ComputeLock.hold()) {
            Figures f = accumulateGradients(policy, reference, mb, c.beta(), manager, PAIRS_PER_PASS);
            double anchorLoss = c.anchor() == null ? 0 : addAnchorGradient(policy, c, manager);
            boolean finite = Double.isFinite(f.loss()) && Double.isFinite(anchorLoss) && finiteGradients(trainable);
            if (finite) {
                for (Parameter p : trainable) {
                    NDArray w = p.getArray();
                    if (w.hasGradient()) {
                        adam.update(p.getId(), w, w.getGradient());
                    }
                }
            } else {
                String bad = trainable.stream().filter(p -> !finiteGradients(List.of(p))).map(Parameter::getName)
                        .findFirst().orElse("none");
                log.warn("event=dpo_step_skipped step={} loss={} first_non_finite_gradient={} times={}", step,
                        f.loss(), bad, java.util.Arrays.toString(mb.times()));
            }
            zeroGradients(trainable); // DJL accumulates gradients until something clears them
            return new Figures(step, finite ? f.loss() : Double.NaN, f.rewardAccuracy(), f.rewardMargin(),
                    f.distance(), anchorLoss);
        }
    }

    /** Adds the gradient of anchorWeight * L_anchor to the trainable parameters; returns L_anchor. */
    private static double addAnchorGradient(PhysMasterModel policy, Config c, NDManager manager) {
        try (NDManager m = manager.newSubManager();
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray l = c.anchor().loss(new ParameterStore(m, false), policy, m);
            gc.backward(ScalarOps.times(l, c.anchorWeight()));
            return l.getFloat();
        }
    }

    /**
     * Adds the gradient of the minibatch's mean Flow-DPO loss to the trainable parameters, {@code pairsPerPass}
     * pairs per forward/backward pass: each pass's loss is weighted by its share of the pairs, so the passes'
     * gradients add up to the minibatch's. Returns the minibatch's figures (step 0).
     */
    static Figures accumulateGradients(PhysMasterModel policy, PhysMasterModel reference, Minibatch mb, float beta,
                                       NDManager manager, int pairsPerPass) {
        int n = mb.size();
        int s = policy.config().size();
        int plane = 3 * s * s;
        int video = (policy.config().frames() - 1) * plane;
        double loss = 0;
        double accuracy = 0;
        double margin = 0;
        double distance = 0;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            for (int from = 0; from < n; from += pairsPerPass) {
                int to = Math.min(n, from + pairsPerPass);
                int k = to - from;
                float share = k / (float) n; // this pass's part of the minibatch mean
                // Each pass's activations live in their own scope, released once its gradient is added.
                try (NDManager m = manager.newSubManager()) {
                    ParameterStore ps = new ParameterStore(m, false);
                    Shape shape = new Shape(k, policy.config().frames() - 1, 3, s, s);
                    // Same noise and time for preferred and rejected, as Eq. 3 requires.
                    NDArray zw = m.create(slice(mb.preferred(), from, to, video), shape);
                    NDArray zl = m.create(slice(mb.rejected(), from, to, video), shape);
                    NDArray first = m.create(slice(mb.first(), from, to, plane), new Shape(k, 3, s, s));
                    NDArray noise = m.create(slice(mb.noise(), from, to, video), shape);
                    NDArray times = m.create(slice(mb.times(), from, to, 1));
                    FlowDpo.Terms terms = mb.referenceKnown()
                            ? FlowDpo.pairLoss(ps, policy, zw, zl, first, noise, times,
                                    m.create(referenceSlice(mb.reference(), n, from, to)), beta, true)
                            : FlowDpo.pairLoss(ps, policy, reference, zw, zl, first, noise, times, beta, true);
                    gc.backward(terms.loss().mul(share));
                    loss += share * terms.loss().getFloat();
                    accuracy += share * terms.rewardAccuracy();
                    margin += share * terms.rewardMargin();
                    distance += share * terms.distance();
                }
            }
        }
        return new Figures(0, loss, accuracy, margin, distance);
    }

    /** Which pair comes next: passes over all pairs, each in a fresh random order. */
    static final class PairOrder {
        private final int[] order;
        private final Random rnd;
        private int next;

        PairOrder(int pairs, Random rnd) {
            this.order = new int[pairs];
            this.rnd = rnd;
            this.next = pairs;
        }

        int next() {
            if (next == order.length) {
                shuffle(order, rnd);
                next = 0;
            }
            return order[next++];
        }
    }

    /**
     * One step's pairs in the model's range: first frames [n, 3, H, W], preferred and rejected frames 1..T-1
     * [n, T-1, 3, H, W], noise like them, times [n], and the reference's errors [2n] (preferred, then rejected:
     * FlowDpo's order) when every pair has them.
     */
    record Minibatch(float[] first, float[] preferred, float[] rejected, float[] noise, float[] times,
                             float[] reference, boolean referenceKnown) {

        int size() {
            return times.length;
        }

        static Minibatch draw(List<Pair> pairs, PairOrder order, int n, PhysMasterModel policy, Random rnd) {
            int s = policy.config().size();
            int f = policy.config().frames() - 1;
            int plane = 3 * s * s;
            float[] first = new float[n * plane];
            float[] zw = new float[n * f * plane];
            float[] zl = new float[n * f * plane];
            Pair[] drawn = new Pair[n];
            for (int i = 0; i < n; i++) {
                Pair p = pairs.get(order.next());
                drawn[i] = p;
                toModelRange(p.first(), 0, first, i * plane, plane);
                toModelRange(p.preferred(), plane, zw, i * f * plane, f * plane); // frames 1..T-1
                toModelRange(p.rejected(), plane, zl, i * f * plane, f * plane);
            }
            float[] noise = new float[n * f * plane];
            float[] times = new float[n];
            float[] ref = new float[2 * n];
            boolean refKnown = true;
            for (int i = 0; i < n; i++) { // all noise, then all times: the draw order seeded runs were made with
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
            return new Minibatch(first, zw, zl, noise, times, ref, refKnown);
        }
    }

    /** Sums over the applied steps. */
    private static final class Totals {
        double loss;
        double acc;
        double margin;
        double distance;
        int skipped;
        int precomputed;

        void add(Figures f, Minibatch mb) {
            if (mb.referenceKnown()) {
                precomputed += mb.size();
            }
            if (Double.isNaN(f.loss())) {
                skipped++;
                return;
            }
            loss += f.loss();
            acc += f.rewardAccuracy();
            margin += f.rewardMargin();
            distance += f.distance();
        }

        Result result(int steps) {
            int applied = Math.max(1, steps - skipped);
            return new Result(loss / applied, acc / applied, margin / applied, distance / applied, steps - skipped,
                    skipped, precomputed);
        }
    }

    /** Items [from, to) of an array of equal-sized items. */
    private static float[] slice(float[] all, int from, int to, int item) {
        return java.util.Arrays.copyOfRange(all, from * item, to * item);
    }

    /** Reference errors of pairs [from, to) from the [2n] layout (all preferred, then all rejected), same layout. */
    private static float[] referenceSlice(float[] ref, int n, int from, int to) {
        int k = to - from;
        float[] out = new float[2 * k];
        System.arraycopy(ref, from, out, 0, k);
        System.arraycopy(ref, n + from, out, k, k);
        return out;
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

    /** A video cut or padded to {@code length} floats: videos shorter than the model's frames repeat their last frame. */
    public static float[] pad(float[] v, int length, int plane) {
        if (v.length >= length) {
            return java.util.Arrays.copyOf(v, length);
        }
        float[] out = java.util.Arrays.copyOf(v, length);
        for (int k = v.length; k < length; k++) {
            out[k] = v[v.length - plane + (k - v.length) % plane];
        }
        return out;
    }
}
