package io.physmaster.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Our small backbone: four 3x3 convolutions, two of stride 2.
 * <pre>
 *   [B, 3, H, W] -> conv 32 -> [B, 32, H, W] -> conv C /2 -> [B, C, H/2, W/2] -> conv C /2 -> [B, C, H/4, W/4]
 *   -> conv C -> [B, C, H/4, W/4]      (GELU between)
 * </pre>
 */
public final class ConvBackbone extends ModelBlock implements Backbone {

    private final int width;
    private final Conv c1;
    private final Conv c2;
    private final Conv c3;
    private final Conv c4;

    public ConvBackbone(int width) {
        this.width = width;
        this.c1 = addChildBlock("c1", new Conv(3, 32, 3, 1));
        this.c2 = addChildBlock("c2", new Conv(32, width, 3, 2));
        this.c3 = addChildBlock("c3", new Conv(width, width, 3, 2));
        this.c4 = addChildBlock("c4", new Conv(width, width, 3, 1));
    }

    @Override
    public NDArray features(ParameterStore ps, NDArray frame, boolean training) {
        NDArray h = Ops.gelu(c1.apply(ps, frame, training));
        h = Ops.gelu(c2.apply(ps, h, training));
        h = Ops.gelu(c3.apply(ps, h, training));
        return c4.apply(ps, h, training);
    }

    @Override
    public int width() {
        return width;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
        return new NDList(features(ps, in.singletonOrThrow(), training));
    }

    /** Multiply-accumulates per image of side s. */
    public long macs(long s) {
        return s * s * 3 * 32 * 9 + (s / 2) * (s / 2) * 32L * width * 9 + 2 * (s / 4) * (s / 4) * (long) width * width * 9;
    }
}
