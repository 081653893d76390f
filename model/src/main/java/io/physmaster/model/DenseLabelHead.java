package io.physmaster.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Backbone pretraining only: predicts the simulator's dense first-frame labels from the feature map, at full
 * resolution via sub-pixel outputs (each feature position predicts its 4x4 pixels).
 * <pre>
 *   features [B, C, H/4, W/4] -> per position Linear(C, 16 * 7) -> [B, 7, H, W]:
 *   channels 0..4 material logits (0 = none, 1..4 materials), 5 height, 6 surface logit
 * </pre>
 */
public final class DenseLabelHead extends ModelBlock {

    public static final int MATERIALS = 5;
    public static final int CHANNELS = MATERIALS + 2;
    private final Linear out;

    public DenseLabelHead(int width) {
        this.out = addChildBlock("out", new Linear(width, 16 * CHANNELS));
    }

    public NDArray apply(ParameterStore ps, NDArray features, boolean training) {
        long b = features.getShape().get(0);
        long c = features.getShape().get(1);
        long g = features.getShape().get(2);                                   // H/4
        NDArray perPos = out.apply(ps, features.transpose(0, 2, 3, 1), training); // [B, g, g, 16*7]
        return perPos.reshape(b, g, g, 4, 4, CHANNELS)                           // [B, gy, gx, 4y, 4x, 7]
                .transpose(0, 5, 1, 3, 2, 4)                                     // [B, 7, gy, 4y, gx, 4x]
                .reshape(b, CHANNELS, g * 4, g * 4);                             // [B, 7, H, W]
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
        return new NDList(apply(ps, in.singletonOrThrow(), training));
    }
}
