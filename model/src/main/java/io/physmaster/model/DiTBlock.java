package io.physmaster.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * One block of the video transformer: factorized space-time attention and an MLP, each modulated by the
 * timestep (adaLN-zero: the modulation starts at zero, so a fresh block is the identity).
 *
 * <pre>
 *   x: [B, F, P, D] (F generated frames, P patches), cond: [B, C, D] (first-frame + c_phys tokens),
 *   first: [B, P, D] (the first frame's tokens), c: [B, D] (timestep embedding)
 *   x += g1 * SpatialAttn(mod(LN(x)), keys += cond, + RelPosBias)   attention within each frame
 *   x += g2 * TemporalAttn(mod(LN(x)), keys += first)      attention along time at each patch position
 *   x += g3 * MLP(mod(LN(x)))
 * </pre>
 */
public final class DiTBlock extends ModelBlock {

    private final int dim;
    private final Attention spatial;
    private final RelativePositionBias relPos;
    private final Attention temporal;
    private final Linear fc1;
    private final Linear fc2;
    private final Linear ada;

    /** frames: generated frames F; grid: patches per frame side. */
    public DiTBlock(int dim, int heads, int frames, int grid) {
        this.dim = dim;
        this.spatial = addChildBlock("spatial", new Attention(dim, heads));
        this.relPos = addChildBlock("rel_pos", new RelativePositionBias(frames, heads, grid));
        this.temporal = addChildBlock("temporal", new Attention(dim, heads));
        this.fc1 = addChildBlock("fc1", new Linear(dim, 4 * dim));
        this.fc2 = addChildBlock("fc2", new Linear(4 * dim, dim));
        this.ada = addChildBlock("ada", new Linear(dim, 9 * dim, true)); // zero-init
    }

    public NDArray apply(ParameterStore ps, NDArray x, NDArray cond, NDArray first, NDArray c, boolean training) {
        return apply(ps, x, context(ps, cond, first, (int) x.getShape().get(1), training), c, training);
    }

    /**
     * What this block needs of the conditioning, which does not depend on x_t or t: the spatial context's
     * keys and values repeated for every frame, the first frame's keys and values for the temporal attention,
     * and the relative position bias widened to every spatial key.
     */
    record Context(Attention.ContextKv spaceKv, Attention.ContextKv timeKv, NDArray bias) {
    }

    /** cond [B, C, D], first [B, P, D], f generated frames -> this block's {@link Context}. */
    Context context(ParameterStore ps, NDArray cond, NDArray first, int f, boolean training) {
        long p = first.getShape().get(1);
        Attention.ContextKv spaceKv = spatial.contextKv(ps, cond, training).repeated(f);   // [B*F, C, H, dh] each
        Attention.ContextKv timeKv = temporal.contextKv(ps, first, training).onePerRow(); // [B*P, 1, H, dh] each
        NDArray bias = relPos.bias(ps, first.getManager(), first.getDevice(), training);      // [F, H, P, 2P]
        return new Context(spaceKv, timeKv, Attention.widened(bias, p + cond.getShape().get(1)));
    }

    /** x [B, F, P, D] with a precomputed {@link Context}: the per-step part of the block. */
    NDArray apply(ParameterStore ps, NDArray x, Context ctx, NDArray c, boolean training) {
        long b = x.getShape().get(0);
        long f = x.getShape().get(1);
        long p = x.getShape().get(2);
        Modulation m = Modulation.of(Ops.chunks(ada.apply(ps, Ops.gelu(c), training), 9)); // 9 x [B, 1, 1, D]

        // Space: every frame attends over its own patches plus the conditioning tokens.
        NDArray h = Ops.modulatedNorm(x, m.spaceShift(), m.spaceScale()).reshape(b * f, p, dim);
        NDArray s = spatial.attend(ps, h, ctx.spaceKv(), ctx.bias(), training).reshape(b, f, p, dim);
        x = x.add(s.mul(m.spaceGate()));

        // Time: every patch position attends along the frames, plus the first frame's token there.
        h = Ops.modulatedNorm(x, m.timeShift(), m.timeScale()).transpose(0, 2, 1, 3).reshape(b * p, f, dim);
        NDArray t = temporal.attend(ps, h, ctx.timeKv(), null, training).reshape(b, p, f, dim).transpose(0, 2, 1, 3);
        x = x.add(t.mul(m.timeGate()));

        h = Ops.modulatedNorm(x, m.mlpShift(), m.mlpScale());
        NDArray mlp = fc2.apply(ps, Ops.gelu(fc1.apply(ps, h, training)), training);
        return x.add(mlp.mul(m.mlpGate()));
    }

    /** adaLN-zero's nine chunks (Ops.chunks): shift, scale and gate of each of the three sub-layers, in order. */
    record Modulation(NDArray spaceShift, NDArray spaceScale, NDArray spaceGate,
                      NDArray timeShift, NDArray timeScale, NDArray timeGate,
                      NDArray mlpShift, NDArray mlpScale, NDArray mlpGate) {
        static Modulation of(NDList m) {
            return new Modulation(m.get(0), m.get(1), m.get(2), m.get(3), m.get(4), m.get(5), m.get(6), m.get(7),
                    m.get(8));
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
        return new NDList(apply(ps, in.get(0), in.get(1), in.get(2), in.get(3), training));
    }

    public Linear[] linears() {
        return new Linear[] {spatial.linears()[0], spatial.linears()[1], spatial.linears()[2],
            temporal.linears()[0], temporal.linears()[1], temporal.linears()[2], fc1, fc2};
    }

    /** Multiply-accumulates per sample. */
    public long macs(long f, long p, long c) {
        return f * spatial.macs(p, c) - (f - 1) * c * spatial.linears()[1].macsPerRow() // context projected once
                + p * temporal.macs(f, 1) + f * p * (fc1.macsPerRow() + fc2.macsPerRow())
                + ada.macsPerRow();
    }
}
