package io.physmaster.dpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.physmaster.model.PhysMasterModel;

/**
 * A supervised term added to every Flow-DPO step: L = L_DPO + weight * L_anchor. Preferences only say which of
 * two samples is better, and both samples of a pair may be broken; lowering L_DPO can then move the model away
 * from what it learnt in Stage I (objects blur and lose mass while the winners' relative error falls). An anchor
 * keeps the trained parameters tied to data whose physics is right, e.g. the Stage I flow-matching loss on
 * simulator clips (io.physmaster.train.TruthAnchor).
 */
@FunctionalInterface
public interface Anchor {

    /**
     * The anchor's loss for the policy (a scalar with gradient to the trainable parameters), computed in
     * {@code m}, a scope closed after the step's backward pass.
     */
    NDArray loss(ParameterStore ps, PhysMasterModel policy, NDManager m);
}
