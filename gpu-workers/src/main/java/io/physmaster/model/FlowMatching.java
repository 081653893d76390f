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
