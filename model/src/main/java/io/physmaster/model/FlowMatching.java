package io.physmaster.model;

import ai.djl.ndarray.NDArray;

/**
 * Rectified flow, as in the paper's Eq. 1 (velocity target z1 - z0). z0 is Gaussian noise, z1 the video
 * (pixels scaled to [-1, 1]), and t runs from 0 (noise) to 1 (data):
 * <pre>
 *   x_t = (1 - t) z0 + t z1          v* = z1 - z0
 *   L_SFT = E || v_theta(x_t, t, c) - v* ||^2
 * </pre>
 * Sampling integrates dx/dt = v_theta from t = 0 to 1 (see io.physmaster.sample.EulerSampler).
 * The network itself predicts the clean frames and turns them into v_theta = (x1_hat - x_t) / (1 - t)
 * (VideoFlowTransformer), so this loss is the "x-prediction, velocity loss" of JiT. Training, held-out losses
 * and DPO draw t from a logit-normal ({@link #sampleTime}).
 */
public final class FlowMatching {

    /** x_t for data z1 [B, ...], noise z0 [B, ...], t [B]. */
    public static NDArray interpolate(NDArray z1, NDArray z0, NDArray t) {
        NDArray tb = broadcastTime(t, z1);
        return z0.mul(tb.neg().add(1f)).add(z1.mul(tb));
    }

    public static NDArray targetVelocity(NDArray z1, NDArray z0) {
        return z1.sub(z0);
    }

    /** Per-sample squared error, mean over everything but the batch axis: [B]. */
    public static NDArray perSampleError(NDArray predicted, NDArray target) {
        NDArray sq = predicted.sub(target).square();
        return sq.reshape(sq.getShape().get(0), -1).mean(new int[] {1});
    }

    /** L_SFT: mean over the batch. */
    public static NDArray loss(NDArray predicted, NDArray target) {
        return perSampleError(predicted, target).mean();
    }

    /**
     * L_SFT with the weight of high times capped: the x-prediction's velocity error is
     * |x1_hat - z1|^2 / (1 - t)^2, so a sample at t = 0.9 weighs 100 times one at t = 0, and a few such samples
     * set the clipped gradient's direction. Multiplying by min(1, (1 - t)^2 {@value #MAX_WEIGHT}) caps the
     * x-space weight at {@value #MAX_WEIGHT} (t >= 0.5) and leaves t < 0.5 unchanged.
     */
    public static NDArray cappedLoss(NDArray predicted, NDArray target, NDArray t) {
        NDArray oneMinusT = t.neg().add(1f);
        NDArray w = ScalarOps.atMost(ScalarOps.times(oneMinusT.square(), MAX_WEIGHT), 1f);   // [B]
        return perSampleError(predicted, target).mul(w).mean();
    }

    /** Largest x-space weight 1 / (1 - t)^2 a Stage I sample gets. */
    static final float MAX_WEIGHT = 4f;

    /**
     * A training time t = sigmoid(-0.8 + 0.8 N(0, 1)) (logit-normal, as in SD3 and JiT): most samples at the
     * noisy end, where the model must decide where objects go; few near t = 1, where denoising is easy and the
     * x-prediction's 1 / (1 - t) would weigh a sample thousands of times over.
     */
    public static float sampleTime(java.util.Random rnd) {
        return (float) (1.0 / (1.0 + Math.exp(-(-0.8 + 0.8 * rnd.nextGaussian()))));
    }

    /**
     * Stage I's training time: with probability {@code uniformShare} uniform on [0, {@value #MAX_UNIFORM_T}],
     * else {@link #sampleTime}. The logit-normal alone almost never draws t > 0.75 (under 1 %), yet an 8-step
     * sampler takes its last two steps from t = 0.75 and 0.875 and returns the model's clean-frame prediction
     * there: an untrained region, where objects came out as specks (model v2, see models/README.md).
     */
    public static float sampleTime(java.util.Random rnd, float uniformShare) {
        return rnd.nextFloat() < uniformShare ? rnd.nextFloat() * MAX_UNIFORM_T : sampleTime(rnd);
    }

    /** Upper end of the uniform times: beyond it the loss weight 1 / (1 - t)^2 exceeds 400. */
    static final float MAX_UNIFORM_T = 0.95f;

    /** t [B] reshaped to [B, 1, 1, ...] to broadcast against x. */
    static NDArray broadcastTime(NDArray t, NDArray x) {
        NDArray tb = t;
        while (tb.getShape().dimension() < x.getShape().dimension()) {
            tb = tb.expandDims(-1);
        }
        return tb;
    }

    private FlowMatching() {
    }
}
