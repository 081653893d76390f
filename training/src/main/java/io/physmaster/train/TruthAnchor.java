package io.physmaster.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.physmaster.dpo.Anchor;
import io.physmaster.dpo.FlowDpo;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.Split;
import java.util.Random;

/**
 * The Stage I loss as a DPO anchor: the policy's flow-matching error on simulator clips of the training split,
 * whose objects keep their mass, shape and free fall by construction.
 * <pre>
 *   L_anchor = mean_i || v*(z_i, z0_i) - v_theta(x_t_i, t_i) ||^2     over `batch` clips drawn at random
 * </pre>
 * Preferences alone cannot tell the model that a blurred, fragmented object is wrong when both videos of every
 * pair have one; the anchor keeps that Stage I knowledge while Flow-DPO moves the model.
 */
final class TruthAnchor implements Anchor {

    private final ClipData clips;
    private final int batch;
    private final Random rnd;

    private TruthAnchor(ClipData clips, int batch, long seed) {
        this.clips = clips;
        this.batch = batch;
        this.rnd = new Random(seed);
    }

    /** Renders {@code scenes} training-split clips once (a second per hundred) and draws {@code batch} per step. */
    static TruthAnchor render(int scenes, int batch, long seed) {
        if (scenes < 1 || batch < 1) {
            throw new IllegalArgumentException("anchor scenes and batch must be >= 1, got " + scenes + " and " + batch);
        }
        return new TruthAnchor(ClipData.render(Split.TRAIN, scenes, ClipSpec.MODEL), batch, seed);
    }

    @Override
    public NDArray loss(ParameterStore ps, PhysMasterModel policy, NDManager m) {
        Batches.VideoBatch b = Batches.videos(m, clips, Batches.sample(rnd, clips.count, batch)); // z1 [B, F, 3, H, W]
        NDArray z0 = Batches.noise(m, rnd, b.z1().getShape());
        NDArray t = Batches.times(m, rnd, batch);                                                   // [B]
        return FlowDpo.errors(ps, policy, b.z1(), b.first(), z0, t, true).mean();
    }
}
