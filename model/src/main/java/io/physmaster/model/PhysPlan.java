package io.physmaster.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Model v3's path from c_phys into the DiT: an object plan. c_phys is decoded into how much of each patch is
 * covered by objects in each generated frame, and that number is embedded and added to the token of that patch
 * and frame. The plan is supervised in Stage I by where the objects' mass really is, so c_phys must carry the
 * trajectory, and the DiT has a direct reason to follow it: "draw the object where the plan says".
 * <pre>
 *   c_phys [B, K, D]  K = k*k tokens on a k x k grid
 *   plan = Linear(D -> F*r*r)(c_phys) -> [B, k, k, F, r, r] -> [B, F, G, G]     G = k*r patches per side
 *   embed(plan) = Linear(1 -> D)(plan) -> [B, F, P, D]                          P = G*G
 * </pre>
 * Why not only tokens and modulation (v1, v2): the DiT also sees the first frame, which shows everything the
 * PhysEncoder sees, so a small DiT learned to ignore c_phys (zeroing it cost 2 % L2). A plan at the right
 * patch is the cheapest signal the DiT has about where the object goes, and Flow-DPO on the head moves it.
 */
public final class PhysPlan extends ModelBlock {

    private final int side;
    private final int frames;
    private final int cellsPerSide;
    private final Linear decode;
    private final Linear embed;

    public PhysPlan(ModelConfig cfg) {
        int side = (int) Math.round(Math.sqrt(cfg.physTokens()));
        int grid = cfg.size() / cfg.patch();
        if (side * side != cfg.physTokens() || grid % side != 0) {
            throw new IllegalArgumentException("c_phys tokens must be a square k*k with k dividing the patch grid "
                    + grid + ", got " + cfg.physTokens());
        }
        this.side = side;
        this.frames = cfg.frames() - 1;
        this.cellsPerSide = grid / side;
        this.decode = addChildBlock("decode", new Linear(cfg.dim(), frames * cellsPerSide * cellsPerSide));
        this.embed = addChildBlock("embed", new Linear(1, cfg.dim()));
    }

    /** c_phys [B, K, D] -> plan [B, F, G, G]: object occupancy of each patch in each generated frame. */
    public NDArray decode(ParameterStore ps, NDArray cPhys, boolean training) {
        return toGrid(decode.apply(ps, cPhys, training), side, frames, cellsPerSide);
    }

    /**
     * Per-token cells to frames: [B, K, F*r*r] (token (i, j) of the k x k grid holds its r x r cells of every frame)
     * -> [B, F, G, G] with G = k*r. Shared with the v2 head's occupancy decoder, which lays its output out alike.
     */
    static NDArray toGrid(NDArray perToken, int side, int frames, int r) {
        long b = perToken.getShape().get(0);
        return perToken.reshape(b, side, side, frames, r, r)
                .transpose(0, 3, 1, 4, 2, 5)                                          // [B, F, k, r, k, r]
                .reshape(b, frames, (long) side * r, (long) side * r);
    }

    /** plan [B, F, G, G] -> what it adds to the generated frames' tokens [B, F, P, D]. */
    public NDArray embed(ParameterStore ps, NDArray plan, boolean training) {
        long b = plan.getShape().get(0);
        long g = plan.getShape().get(2);
        return embed.apply(ps, plan.reshape(b, frames, g * g, 1), training);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
        return new NDList(decode(ps, in.singletonOrThrow(), training));
    }

    /** Multiply-accumulates per sample. */
    public long macs(long physTokens, long patches) {
        return physTokens * decode.macsPerRow() + frames * patches * embed.macsPerRow();
    }
}
