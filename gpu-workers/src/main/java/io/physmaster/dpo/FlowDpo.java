package io.physmaster.dpo;

import ai.djl.ndarray.NDArray;
import io.physmaster.model.FlowMatching;
import io.physmaster.model.PhysMasterModel;
import ai.djl.training.ParameterStore;

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
        NDArray inside = thetaW.sub(refW).sub(thetaL.sub(refL)).mul(-beta / 2f);
        NDArray distance = thetaW.sub(refW).abs().add(thetaL.sub(refL).abs()).mean().div(2f);
        return new Terms(softplus(inside.neg()).mean(), inside, distance); // -log sigmoid(x) = softplus(-x)
    }

    /** softplus(x) = log(1 + e^x), computed without overflow. */
    static NDArray softplus(NDArray x) {
        return x.maximum(0f).add(x.abs().neg().exp().add(1f).log());
    }

    /**
     * The four errors for pairs: preferred z_w and rejected z_l [B, F, 3, H, W] in [-1, 1] of first frames
     * [B, 3, H, W], with shared noise z0 and times t [B]. The reference runs without gradient.
     */
    public static Terms pairLoss(ParameterStore ps, PhysMasterModel policy, PhysMasterModel reference,
                                 NDArray zw, NDArray zl, NDArray first, NDArray z0, NDArray t, float beta,
                                 boolean training) {
        NDArray xw = FlowMatching.interpolate(zw, z0, t);
        NDArray xl = FlowMatching.interpolate(zl, z0, t);
        NDArray vw = FlowMatching.targetVelocity(zw, z0);
        NDArray vl = FlowMatching.targetVelocity(zl, z0);
        NDArray cPhys = policy.physical(ps, first, training);
        NDArray thetaW = FlowMatching.perSampleError(policy.velocity(ps, xw, t, first, cPhys, training), vw);
        NDArray thetaL = FlowMatching.perSampleError(policy.velocity(ps, xl, t, first, cPhys, training), vl);
        NDArray refPhys = reference.physical(ps, first, false);
        NDArray refW = FlowMatching.perSampleError(reference.velocity(ps, xw, t, first, refPhys, false), vw)
                .stopGradient();
        NDArray refL = FlowMatching.perSampleError(reference.velocity(ps, xl, t, first, refPhys, false), vl)
                .stopGradient();
        return loss(thetaW, refW, thetaL, refL, beta);
    }

    private FlowDpo() {
    }
}
