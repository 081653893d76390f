package io.physmaster.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * The trainable part of the PhysEncoder: backbone features to K c_phys tokens of the DiT's width.
 * <pre>
 *   features [B, C, g, g] -> LN over C -> per position MLP(C -> D -> D) -> [B, g*g, D]
 *   v2 (cfg.headLayers > 0):  + grid_pos [g*g, D];  L x HeadMixingLayer (positions attend to each other)
 *   -> average-pool to k x k = K tokens -> + token position embedding -> c_phys [B, K, D]
 * </pre>
 * v2 also has an occupancy decoder, the head's supervised target in Stage I: from each c_phys token, how much
 * of each patch cell it covers is occupied by objects in each generated frame (where the mass goes):
 * <pre>
 *   occupancy = Linear(D -> F * r * r)(c_phys) -> [B, k, k, F, r, r] -> [B, F, G, G]   G = size / patch = k r
 * </pre>
 * It makes c_phys carry the trajectory in a form the DiT can read directly, so the DiT leans on c_phys and
 * Flow-DPO on the head has a lever (v1's c_phys was redundant with the first frame's tokens and barely used).
 */
public final class PhysicalHead extends ModelBlock {

    private final int dim;
    private final int tokens;
    private final int side;
    private final int frames;
    private final int cellsPerSide;
    private final Linear fc1;
    private final Linear fc2;
    private final Parameter position;
    private final Parameter gridPos;
    private final List<HeadMixingLayer> layers = new ArrayList<>();
    private final Linear occupancy;

    public PhysicalHead(ModelConfig cfg) {
        int side = (int) Math.round(Math.sqrt(cfg.physTokens()));
        if (side * side != cfg.physTokens()) {
            throw new IllegalArgumentException("c_phys tokens must be a square number, got " + cfg.physTokens());
        }
        int grid = cfg.size() / cfg.patch();
        if (grid % side != 0) {
            throw new IllegalArgumentException("c_phys side " + side + " must divide the patch grid " + grid);
        }
        this.dim = cfg.dim();
        this.tokens = cfg.physTokens();
        this.side = side;
        this.frames = cfg.frames() - 1;
        this.cellsPerSide = grid / side;
        this.fc1 = addChildBlock("fc1", new Linear(cfg.backboneWidth(), dim));
        this.fc2 = addChildBlock("fc2", new Linear(dim, dim));
        this.position = addParameter(embedding("position", tokens, dim));
        int g = cfg.size() / 4; // the backbone's feature grid
        this.gridPos = cfg.headLayers() > 0 ? addParameter(embedding("grid_pos", g * g, dim)) : null;
        for (int i = 0; i < cfg.headLayers(); i++) {
            layers.add(addChildBlock("mix" + i, new HeadMixingLayer(dim, cfg.heads())));
        }
        // v3 supervises the DiT's object plan instead (PhysPlan), so the head needs no decoder of its own.
        this.occupancy = cfg.headLayers() > 0 && !cfg.physPlan()
                ? addChildBlock("occupancy", new Linear(dim, frames * cellsPerSide * cellsPerSide)) : null;
    }

    private static Parameter embedding(String name, int rows, int dim) {
        return Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optShape(new Shape(rows, dim))
                .optInitializer(new NormalInitializer(0.02f)).build();
    }

    public NDArray apply(ParameterStore ps, NDArray features, boolean training) {
        long b = features.getShape().get(0);
        long g = features.getShape().get(2);
        long pool = g / side;
        // LN: the frozen backbone's feature scale is arbitrary; normalised inputs keep c_phys and its updates tame.
        NDArray h = Ops.layerNorm(features.transpose(0, 2, 3, 1));                    // [B, g, g, C]
        h = fc2.apply(ps, Ops.gelu(fc1.apply(ps, h, training)), training);            // [B, g, g, D]
        if (!layers.isEmpty()) {
            h = h.reshape(b, g * g, dim).add(ps.getValue(gridPos, h.getDevice(), training)); // [B, g*g, D]
            for (HeadMixingLayer layer : layers) {
                h = layer.apply(ps, h, training);
            }
        }
        h = h.reshape(b, side, pool, side, pool, dim).mean(new int[] {4}).mean(new int[] {2}); // [B, k, k, D]
        return h.reshape(b, tokens, dim).add(ps.getValue(position, h.getDevice(), training));
    }

    /** Whether this head has the occupancy decoder (model v2). */
    public boolean predictsOccupancy() {
        return occupancy != null;
    }

    /** c_phys [B, K, D] -> predicted object occupancy of each patch cell per generated frame [B, F, G, G]. */
    public NDArray occupancy(ParameterStore ps, NDArray cPhys, boolean training) {
        return PhysPlan.toGrid(occupancy.apply(ps, cPhys, training), side, frames, cellsPerSide); // [B, F, G, G]
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
        return new NDList(apply(ps, in.singletonOrThrow(), training));
    }

    public long macs(long g) {
        long total = g * g * (fc1.macsPerRow() + fc2.macsPerRow());
        for (HeadMixingLayer layer : layers) {
            total += layer.macs(g * g);
        }
        return total;
    }
}
