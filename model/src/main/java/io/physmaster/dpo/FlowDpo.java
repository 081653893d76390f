package io.physmaster.dpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;
import io.physmaster.model.FlowMatching;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.model.ScalarOps;

/**
 * Flow-DPO, the paper's Eq. 3 (from VideoAlign). For a preferred video w and a rejected video l of the same
 * first frame, noised with the SAME noise z0 and time t:
 * <pre>
 *   e_theta(x) = || v* - v_theta(x_t, t) ||^2        e_ref(x) = || v* - v_ref(x_t, t) ||^2   (v* = x - z0)
 *   inside     = -(beta / 2) * [ (e_theta(w) - e_ref(w)) - (e_theta(l) - e_ref(l)) ]
 *   L          = -log sigmoid(inside)                                   (mean over pairs)
 * </pre>
 * Lowering L moves the model's error on w down relative to the frozen reference, and on l up. inside > 0 means
 * the model already ranks the pair the preferred way (the implicit reward accuracy).
 */
public final class FlowDpo {

    /** What one batch of pairs gives: the loss to minimise and the figures to log. */
    public record Terms(NDArray loss, NDArray inside, NDArray referenceDistance) {

        /** Fraction of pairs the model ranks correctly (inside > 0). */
        public float rewardAccuracy() {
            return inside.gt(0f).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).mean().getFloat();
        }

        /** Mean of inside over the pairs: the implicit reward margin. */
        public float rewardMargin() {
            return inside.mean().getFloat();
        }

        /** How far the policy has moved from the reference: mean |e_theta - e_ref| over both videos of the pairs. */
        public float distance() {
            return referenceDistance.getFloat();
        }
    }

    /** L from the four per-pair squared errors [B]. */
    public static Terms loss(NDArray thetaW, NDArray refW, NDArray thetaL, NDArray refL, float beta) {
        NDArray inside = ScalarOps.times(thetaW.sub(refW).sub(thetaL.sub(refL)), -beta / 2f);
        NDArray distance = ScalarOps.dividedBy(thetaW.sub(refW).abs().add(thetaL.sub(refL).abs()).mean(), 2f);
        return new Terms(softplus(inside.neg()).mean(), inside, distance); // -log sigmoid(x) = softplus(-x)
    }

    /** softplus(x) = log(1 + e^x), computed without overflow. */
    static NDArray softplus(NDArray x) {
        return ScalarOps.atLeast(x, 0f).add(x.abs().neg().exp().add(1f).log());
    }

    /**
     * The four errors for pairs: preferred z_w and rejected z_l [B, F, 3, H, W] in [-1, 1] of first frames
     * [B, 3, H, W], with shared noise z0 and times t [B]. Preferred and rejected go through each model as one
     * batch of 2B (one forward instead of two); the reference runs without gradient.
     */
    public static Terms pairLoss(ParameterStore ps, PhysMasterModel policy, PhysMasterModel reference,
                                 NDArray zw, NDArray zl, NDArray first, NDArray z0, NDArray t, float beta,
                                 boolean training) {
        NDArray z = zw.concat(zl, 0);                                                  // [2B, F, 3, H, W]
        NDArray ref = errors(ps, reference, z, first, z0.concat(z0, 0), t.concat(t, 0), false).stopGradient();
        return pairLoss(ps, policy, zw, zl, first, z0, t, ref, beta, training);
    }

    /**
     * The same with the reference's errors already known, [2B]: preferred then rejected (computed earlier with
     * {@link #errors}, the same noise and times). Only the policy runs.
     */
    public static Terms pairLoss(ParameterStore ps, PhysMasterModel policy, NDArray zw, NDArray zl, NDArray first,
                                 NDArray z0, NDArray t, NDArray ref, float beta, boolean training) {
        long b = zw.getShape().get(0);
        NDArray theta = errors(ps, policy, zw.concat(zl, 0), first, z0.concat(z0, 0), t.concat(t, 0), training); // [2B]
        NDIndex w = new NDIndex("0:{}", b);
        NDIndex l = new NDIndex("{}:", b);
        return loss(theta.get(w), ref.get(w), theta.get(l), ref.get(l), beta);
    }

    /**
     * e(z) = || v* - v_model(x_t, t) ||^2 per video [N] for clean videos z [N, F, 3, H, W], noise z0 [N, ...] and
     * times t [N]; first [M, 3, H, W] with N = k * M: video i belongs to first frame i mod M (so the pairs' first
     * frames go through the encoder once, not once per video).
     */
    public static NDArray errors(ParameterStore ps, PhysMasterModel model, NDArray z, NDArray first, NDArray z0,
                                 NDArray t, boolean training) {
        long k = z.getShape().get(0) / first.getShape().get(0);
        NDArray x = FlowMatching.interpolate(z, z0, t);                                // x_t [N, F, 3, H, W]
        NDArray v = FlowMatching.targetVelocity(z, z0);                                // v*  [N, F, 3, H, W]
        NDArray cPhys = model.physical(ps, first, training);                           // [M, tokens, dim] or null
        NDArray firstN = repeat(first, k);                                             // [N, 3, H, W]
        return FlowMatching.perSampleError(
                model.velocity(ps, x, t, firstN, cPhys == null ? null : repeat(cPhys, k), training), v);
    }

    /** a stacked k times along the batch axis: [k * M, ...]. */
    private static NDArray repeat(NDArray a, long k) {
        NDArray out = a;
        for (long i = 1; i < k; i++) {
            out = out.concat(a, 0);
        }
        return out;
    }

    private FlowDpo() {
    }
}
