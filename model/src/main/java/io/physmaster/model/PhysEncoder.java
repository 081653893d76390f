package io.physmaster.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * E_p: frozen backbone + trainable physical head. first frame [B, 3, H, W] in [-1, 1] -> c_phys [B, K, D].
 * The backbone is frozen here once and for all; Stage I trains the head with the DiT, Stage III the head alone.
 */
public final class PhysEncoder extends ModelBlock {

    private final Backbone backbone;
    private final PhysicalHead head;

    public PhysEncoder(Backbone backbone, PhysicalHead head) {
        this.backbone = addChildBlock("backbone", backbone);
        this.head = addChildBlock("head", head);
    }

    public NDArray apply(ParameterStore ps, NDArray firstFrame, boolean training) {
        NDArray features = backbone.features(ps, firstFrame, false).stopGradient(); // frozen: no gradient
        return head.apply(ps, features, training);
    }

    public Backbone backbone() {
        return backbone;
    }

    public PhysicalHead head() {
        return head;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
        return new NDList(apply(ps, in.singletonOrThrow(), training));
    }
}
