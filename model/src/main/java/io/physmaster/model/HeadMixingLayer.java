package io.physmaster.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * One pre-LN transformer layer of the physical head: the backbone's positions attend to each other, so a
 * position can encode relations ("an object 5 px above a ledge") that a per-position MLP cannot.
 * <pre>
 *   x: [B, N, D]  (N backbone positions)
 *   x += SelfAttn(LN(x))
 *   x += MLP(LN(x))          MLP: D -> 2D -> D
 * </pre>
 */
public final class HeadMixingLayer extends ModelBlock {

    private final Attention attention;
    private final Linear fc1;
    private final Linear fc2;

    public HeadMixingLayer(int dim, int heads) {
        this.attention = addChildBlock("attn", new Attention(dim, heads));
        this.fc1 = addChildBlock("fc1", new Linear(dim, 2 * dim));
        this.fc2 = addChildBlock("fc2", new Linear(2 * dim, dim));
    }

    public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
        x = x.add(attention.apply(ps, Ops.layerNorm(x), null, training));                      // [B, N, D]
        return x.add(fc2.apply(ps, Ops.gelu(fc1.apply(ps, Ops.layerNorm(x), training)), training));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
        return new NDList(apply(ps, in.singletonOrThrow(), training));
    }

    /** Multiply-accumulates for N positions. */
    public long macs(long n) {
        return attention.macs(n, 0) + n * (fc1.macsPerRow() + fc2.macsPerRow());
    }
}
