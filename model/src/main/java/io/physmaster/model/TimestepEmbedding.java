package io.physmaster.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Flow time t in [0, 1] to a conditioning vector: sinusoidal features of 1000 t, then a two-layer MLP.
 * <pre>  t: [B]  ->  [B, D]  </pre>
 */
public final class TimestepEmbedding extends ModelBlock {

    private final int dim;
    private final Linear fc1;
    private final Linear fc2;

    public TimestepEmbedding(int dim) {
        this.dim = dim;
        this.fc1 = addChildBlock("fc1", new Linear(dim, dim));
        this.fc2 = addChildBlock("fc2", new Linear(dim, dim));
    }

    public NDArray apply(ParameterStore ps, NDArray t, boolean training) {
        int half = dim / 2;
        // freqs_i = exp(-ln(10000) * i / half), i = 0..half-1
        NDArray freqs = t.getManager().arange(0, half, 1, DataType.FLOAT32).mul(-Math.log(10000) / half).exp();
        NDArray angles = t.mul(1000f).expandDims(1).mul(freqs.expandDims(0));            // [B, half]
        NDArray features = angles.sin().concat(angles.cos(), 1);                          // [B, D]
        return fc2.apply(ps, Ops.gelu(fc1.apply(ps, features, training)), training);
    }

    /** Multiply-accumulates per sample. */
    public long macs() {
        return fc1.macsPerRow() + fc2.macsPerRow();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
        return new NDList(apply(ps, in.singletonOrThrow(), training));
    }
}
