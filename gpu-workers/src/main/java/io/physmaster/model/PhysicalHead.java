package io.physmaster.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The trainable part of the PhysEncoder: backbone features to K c_phys tokens of the DiT's width.
 * <pre>
 *   features [B, C, g, g] -> LN over C -> per position MLP(C -> D -> D) -> [B, g, g, D]
 *   -> average-pool to k x k = K tokens -> + token position embedding -> c_phys [B, K, D]
 * </pre>
 */
public final class PhysicalHead extends ModelBlock {

    private final int dim;
    private final int tokens;
    private final Linear fc1;
    private final Linear fc2;
    private final Parameter position;

    public PhysicalHead(int width, int dim, int tokens) {
        int side = (int) Math.round(Math.sqrt(tokens));
        if (side * side != tokens) {
            throw new IllegalArgumentException("c_phys tokens must be a square number, got " + tokens);
        }
        this.dim = dim;
        this.tokens = tokens;
        this.fc1 = addChildBlock("fc1", new Linear(width, dim));
        this.fc2 = addChildBlock("fc2", new Linear(dim, dim));
        this.position = addParameter(Parameter.builder().setName("position").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(tokens, dim))
                .optInitializer(new ai.djl.training.initializer.NormalInitializer(0.02f)).build());
    }

    public NDArray apply(ParameterStore ps, NDArray features, boolean training) {
        long b = features.getShape().get(0);
        long g = features.getShape().get(2);
        int side = (int) Math.round(Math.sqrt(tokens));
        long pool = g / side;
        // LN: the frozen backbone's feature scale is arbitrary; normalised inputs keep c_phys and its updates tame.
        NDArray h = Ops.layerNorm(features.transpose(0, 2, 3, 1));                    // [B, g, g, C]
        h = fc2.apply(ps, Ops.gelu(fc1.apply(ps, h, training)), training);            // [B, g, g, D]
        h = h.reshape(b, side, pool, side, pool, dim).mean(new int[] {4}).mean(new int[] {2}); // [B, k, k, D]
        return h.reshape(b, tokens, dim).add(ps.getValue(position, h.getDevice(), training));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
        return new NDList(apply(ps, in.singletonOrThrow(), training));
    }

    public long macs(long g) {
        return g * g * (fc1.macsPerRow() + fc2.macsPerRow());
    }
}
