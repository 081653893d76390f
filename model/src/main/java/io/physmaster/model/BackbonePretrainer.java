package io.physmaster.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Backbone pretraining model: the backbone plus a dense label head, trained to predict the first frame's
 * material, height and surface maps (our stand-in for the paper's depth-model initialisation).
 * <pre>
 *   loss = CE(material logits, material) + 4 * MSE(height) + BCE(surface logit, surface)
 * </pre>
 */
public final class BackbonePretrainer extends ModelBlock {

    private final ConvBackbone backbone;
    private final DenseLabelHead head;

    public BackbonePretrainer(int width) {
        this.backbone = addChildBlock("backbone", new ConvBackbone(width));
        this.head = addChildBlock("labels", new DenseLabelHead(width));
    }

    public ConvBackbone backbone() {
        return backbone;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
        return new NDList(head.apply(ps, backbone.features(ps, in.singletonOrThrow(), training), training));
    }

    /** The loss above; predictions [B, 7, H, W], material [B, H, W] ints, height and surface [B, H, W]. */
    public static NDArray loss(NDArray pred, NDArray material, NDArray height, NDArray surface) {
        NDArray logp = pred.get(":, 0:" + DenseLabelHead.MATERIALS).logSoftmax(1);               // [B, 5, H, W]
        NDArray onehot = material.oneHot(DenseLabelHead.MATERIALS).transpose(0, 3, 1, 2);        // [B, 5, H, W]
        NDArray ce = logp.mul(onehot).sum(new int[] {1}).neg().mean();
        NDArray mse = pred.get(":, " + DenseLabelHead.MATERIALS).sub(height).square().mean();
        NDArray z = pred.get(":, " + (DenseLabelHead.MATERIALS + 1));                             // logits
        // BCE with logits: max(z, 0) - z*y + log(1 + exp(-|z|))
        NDArray bce = ScalarOps.atLeast(z, 0f).sub(z.mul(surface)).add(z.abs().neg().exp().add(1f).log()).mean();
        return ce.add(ScalarOps.times(mse, 4f)).add(bce);
    }
}
