package io.physmaster.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import io.physmaster.model.ComputeLock;
import io.physmaster.model.ModelConfig;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.model.VideoFlowTransformer;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * Euler integration of the flow from noise (t = 0) to video (t = 1), several samples in one batch.
 * <pre>
 *   x_0 ~ N(0, I) from java.util.Random(seed_i)   (deterministic per seed, on any device)
 *   for k = 0..S-1:  t = k / S;  v = v_theta(x, t, first, c_phys);  x += v / S
 *   with guidance g != 1:  v = v_u + g (v - v_u), v_u computed with c_phys = 0
 *   with zero-phys:        v = v_u every step (the conditional pass sees c_phys = 0 too)
 * </pre>
 * Zero-phys is the ablation "how much does the DiT use c_phys?": the model as trained, its PhysEncoder's output
 * replaced by exactly what the guidance's unconditional pass sees.
 * The returned videos start with the given first frame, exactly.
 */
public final class EulerSampler {

    private final PhysMasterModel model;
    private final NDManager manager;
    private final boolean zeroPhys;

    public EulerSampler(PhysMasterModel model, NDManager manager) {
        this(model, manager, false);
    }

    /** @param zeroPhys condition on c_phys = 0 instead of the PhysEncoder's output (needs a PhysEncoder) */
    public EulerSampler(PhysMasterModel model, NDManager manager, boolean zeroPhys) {
        if (zeroPhys && !model.config().usesPhysEncoder()) {
            throw new IllegalArgumentException("the model has no PhysEncoder: there is no c_phys to zero");
        }
        this.model = model;
        this.manager = manager;
        this.zeroPhys = zeroPhys;
    }

    /** x_0 for each seed: {@code perSample} standard normal values from java.util.Random(seed), seed-major. */
    public static float[] noise(long[] seeds, int perSample) {
        float[] noise = new float[seeds.length * perSample];
        for (int i = 0; i < seeds.length; i++) {
            Random r = new Random(seeds[i]);
            for (int j = 0; j < perSample; j++) {
                noise[i * perSample + j] = (float) r.nextGaussian();
            }
        }
        return noise;
    }

    /**
     * Samples a mid-grey frame at batch 1 and at {@code maxBatch}, twice each, before a role serves: the first
     * calls of a shape allocate the engine's memory pools and pick its kernels. Returns the seconds of the
     * first (cold) and the second (warm) call at {@code maxBatch}.
     */
    public double[] warmUp(int maxBatch, int steps) {
        int size = model.config().size();
        float[] grey = new float[3 * size * size];
        java.util.Arrays.fill(grey, 0.5f);
        double[] seconds = new double[2];
        for (int batch : maxBatch == 1 ? new int[] {1} : new int[] {1, maxBatch}) {
            long[] seeds = new long[batch];
            for (int round = 0; round < 2; round++) {
                long t0 = System.nanoTime();
                sample(grey, seeds, steps, 1f, null);
                seconds[round] = (System.nanoTime() - t0) / 1e9;
            }
        }
        return seconds;
    }

    /**
     * @param firstFrame [3, H, W] in [0, 1]
     * @param seeds      one per sample
     * @param onStep     called with each completed step (progress), may be null
     * @return per sample a [T, 3, H, W] video in [0, 1]
     */
    public float[][] sample(float[] firstFrame, long[] seeds, int steps, float guidance, IntConsumer onStep) {
        float[][] firsts = new float[seeds.length][];
        java.util.Arrays.fill(firsts, firstFrame);
        return sample(firsts, seeds, steps, guidance, onStep);
    }

    /** One sample per (first frame, seed) pair, all in one batch (requests batched together, evaluation). */
    public float[][] sample(float[][] firstFrames, long[] seeds, int steps, float guidance, IntConsumer onStep) {
        // libtorch records gradients per thread, on by default (DJL turns it off only on the thread that starts
        // the engine). On a role's own thread every step's activations would then stay in an autograd graph
        // chained through x until the call ends (the demo's memory growth: docs/results/memory.md).
        boolean recording = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            return sampleWithoutGradients(firstFrames, seeds, steps, guidance, onStep);
        } finally {
            JniUtils.setGradMode(recording);
        }
    }

    private float[][] sampleWithoutGradients(float[][] firstFrames, long[] seeds, int steps, float guidance,
                                             IntConsumer onStep) {
        ModelConfig cfg = model.config();
        int n = seeds.length;
        if (firstFrames.length != n) {
            throw new IllegalArgumentException(firstFrames.length + " first frames for " + n + " seeds");
        }
        int s = cfg.size();
        int frames = cfg.frames() - 1;
        int plane = 3 * s * s;
        float[] firstAll = new float[n * plane];
        for (int i = 0; i < n; i++) {
            if (firstFrames[i].length != plane) {
                throw new IllegalArgumentException("first frame must be 3x" + s + "x" + s + ", got "
                        + firstFrames[i].length + " values");
            }
            System.arraycopy(firstFrames[i], 0, firstAll, i * plane, plane);
        }
        try (NDManager m = manager.newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            NDArray first = m.create(firstAll, new Shape(n, 3, s, s)).mul(2f).sub(1f); // [n, 3, H, W] in [-1, 1]
            VideoFlowTransformer.Conditioning cond;
            VideoFlowTransformer.Conditioning uncond;
            try (ComputeLock.Held held = ComputeLock.hold()) {
                NDArray cPhys = model.physical(ps, first, false);                      // [n, K, D] or null
                NDArray cNone = cPhys == null ? null : cPhys.zerosLike();
                if (zeroPhys) {
                    cPhys = cNone; // both passes would be the unconditional one: guidance has nothing to scale
                }
                // What does not depend on x_t or t (first-frame tokens, context keys/values, position bias): once.
                cond = model.condition(ps, first, cPhys, false);
                uncond = guidance != 1f && cPhys != null && !zeroPhys ? model.condition(ps, first, cNone, false) : null;
            }
            NDArray x = m.create(noise(seeds, frames * plane), new Shape(n, frames, 3, s, s)); // x_0
            float dt = 1f / steps;
            for (int k = 0; k < steps; k++) {
                // Each step's activations live in their own scope; only the new x is kept.
                try (ComputeLock.Held held = ComputeLock.hold(); NDManager stepScope = m.newSubManager()) {
                    NDArray xs = x.duplicate();
                    xs.attach(stepScope);
                    NDArray t = stepScope.full(new Shape(n), k * dt);
                    NDArray v = model.velocity(ps, xs, t, cond, false);
                    if (uncond != null) {
                        NDArray vu = model.velocity(ps, xs, t, uncond, false);
                        v = vu.add(v.sub(vu).mul(guidance));
                    }
                    NDArray next = xs.add(v.mul(dt));
                    next.attach(m);
                    x = next;
                }
                if (onStep != null) {
                    onStep.accept(k + 1);
                }
            }
            NDArray video = first.expandDims(1).concat(x, 1).clip(-1f, 1f).add(1f).div(2f); // [n, T, 3, H, W]
            float[] all = video.toFloatArray();
            float[][] out = new float[n][];
            int per = (frames + 1) * plane;
            for (int i = 0; i < n; i++) {
                out[i] = java.util.Arrays.copyOfRange(all, i * per, (i + 1) * per);
                System.arraycopy(firstFrames[i], 0, out[i], 0, plane); // exactly the given frame
            }
            return out;
        }
    }
}
