package io.physmaster.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Multi-head attention. Queries come from x; keys and values from x and, when given, extra context tokens
 * (the first frame's and the PhysEncoder's tokens), so the sequence attends to its conditioning.
 *
 * <pre>
 *   x: [N, S, D], context: [N, C, D]  ->  [N, S, D]
 *   q = x Wq;  k, v = [x; context] Wk, Wv;  split into H heads of D/H
 *   q, k = LN(q), LN(k) per head                  (QK-norm: bounded logits, no late-training blow-up)
 *   out = softmax(2 q k^T / sqrt(D/H) + bias) v,  heads concatenated, then Wo
 * </pre>
 * bias (optional) [G, H, S, K'] with N = B * G and K' <= S + C: added to the logits of the first K' keys
 * (see RelativePositionBias); the remaining keys get none.
 */
public final class Attention extends ModelBlock {

    private final int dim;
    private final int heads;
    private final Linear q;
    private final Linear kv;
    private final Linear out;

    public Attention(int dim, int heads) {
        this.dim = dim;
        this.heads = heads;
        this.q = addChildBlock("q", new Linear(dim, dim));
        this.kv = addChildBlock("kv", new Linear(dim, 2 * dim));
        this.out = addChildBlock("out", new Linear(dim, dim));
    }

    public NDArray apply(ParameterStore ps, NDArray x, NDArray context, boolean training) {
        return apply(ps, x, context, null, training);
    }

    public NDArray apply(ParameterStore ps, NDArray x, NDArray context, NDArray bias, boolean training) {
        return apply(ps, x, context, 1, bias, training);
    }

    /**
     * As above with a context shared by groups of rows: context [N / repeat, C, D] serves rows
     * g * repeat .. (g + 1) * repeat - 1 of x. Its keys and values are projected once per group and then
     * repeated, the same result as projecting N copies (a projection acts on each token alone).
     */
    public NDArray apply(ParameterStore ps, NDArray x, NDArray context, int repeat, NDArray bias, boolean training) {
        ContextKv kvc = context == null ? null : contextKv(ps, context, training).repeated(repeat);
        return attend(ps, x, kvc, bias, training);
    }

    /**
     * Context tokens' keys, already QK-normed, and values, [N', C, H, dh] each: what {@link #attend} puts after
     * x's own. A sampler makes them once per video instead of once per step.
     */
    public record ContextKv(NDArray keys, NDArray values) {

        /** [N', C, H, dh] -> [N' * repeat, ...]: group g's rows repeated for rows g * repeat .. (g + 1) * repeat - 1. */
        public ContextKv repeated(int repeat) {
            return repeat == 1 ? this : new ContextKv(Attention.repeated(keys, repeat), Attention.repeated(values, repeat));
        }

        /** [N', C, H, dh] -> [N' * C, 1, H, dh]: every context token the only context of its own row. */
        public ContextKv onePerRow() {
            Shape s = keys.getShape();
            return new ContextKv(keys.reshape(s.get(0) * s.get(1), 1, s.get(2), s.get(3)),
                    values.reshape(s.get(0) * s.get(1), 1, s.get(2), s.get(3)));
        }
    }

    /** The keys (QK-normed) and values of context tokens [N', C, D], before any repeat. */
    public ContextKv contextKv(ParameterStore ps, NDArray context, boolean training) {
        NDList kv = keysAndValues(ps, context, training);
        return new ContextKv(kv.get(0), kv.get(1));
    }

    /** tokens [N, S, D] -> QK-normed keys and values [N, S, H, dh] each. */
    private NDList keysAndValues(ParameterStore ps, NDArray tokens, boolean training) {
        Shape s = tokens.getShape();
        int dh = dim / heads;
        NDArray kvs = kv.apply(ps, tokens, training).reshape(s.get(0), s.get(1), 2, heads, dh); // [N, S, 2, H, dh]
        return new NDList(Ops.layerNorm(kvs.get(KEYS)), kvs.get(VALUES));
    }

    private static final ai.djl.ndarray.index.NDIndex KEYS = new ai.djl.ndarray.index.NDIndex(":, :, 0");
    private static final ai.djl.ndarray.index.NDIndex VALUES = new ai.djl.ndarray.index.NDIndex(":, :, 1");

    /** [N / repeat, ...] -> [N, ...], group g's rows repeated for rows g * repeat .. (g + 1) * repeat - 1. */
    static NDArray repeated(NDArray a, int repeat) {
        if (repeat == 1) {
            return a;
        }
        Shape s = a.getShape();
        Shape one = new Shape(s.get(0), 1).addAll(s.slice(1));
        Shape many = new Shape(s.get(0), repeat).addAll(s.slice(1));
        return a.reshape(one).broadcast(many).reshape(new Shape(s.get(0) * repeat).addAll(s.slice(1)));
    }

    /**
     * Attention with the context's keys and values already made ({@link #contextKv}, repeated to x's rows), or
     * none: x [N, S, D], kvc [N, C, H, dh] each or null.
     */
    public NDArray attend(ParameterStore ps, NDArray x, ContextKv kvc, NDArray bias, boolean training) {
        long n = x.getShape().get(0);
        long s = x.getShape().get(1);
        int dh = dim / heads;
        NDList own = keysAndValues(ps, x, training);                           // [N, S, H, dh] each
        NDArray keys = kvc == null ? own.get(0) : own.get(0).concat(kvc.keys(), 1);     // [N, S+C, H, dh]
        NDArray values = kvc == null ? own.get(1) : own.get(1).concat(kvc.values(), 1); // [N, S+C, H, dh]
        long sk = keys.getShape().get(1);
        // QK-norm before the heads move to the front (LN over the contiguous last axis); the logit scale is
        // the queries' LayerNorm weight, 9x fewer values than the scores and no extra op.
        NDArray queries = Ops.layerNorm(q.apply(ps, x, training).reshape(n, s, heads, dh),
                2f / (float) Math.sqrt(dh)).transpose(0, 2, 1, 3);             // [N, H, S, dh]
        NDArray scores = queries.matMul(keys.transpose(0, 2, 3, 1));           // [N, H, S, S+C]
        if (bias != null) {
            long g = bias.getShape().get(0);
            scores = scores.reshape(-1, g, heads, s, sk).add(widened(bias, sk)).reshape(n, heads, s, sk);
        }
        NDArray weights = scores.softmax(-1);
        NDArray mixed = weights.matMul(values.transpose(0, 2, 1, 3))          // [N, H, S, dh]
                .transpose(0, 2, 1, 3).reshape(n, s, dim);                      // [N, S, D]
        return out.apply(ps, mixed, training);
    }

    /** bias [G, H, S, K'] -> [G, H, S, keys]: zeros for the keys past K' (a sampler widens it once per video). */
    static NDArray widened(NDArray bias, long keys) {
        Shape bs = bias.getShape();
        if (bs.get(3) >= keys) {
            return bias;
        }
        return bias.concat(bias.getManager().zeros(new Shape(bs.get(0), bs.get(1), bs.get(2), keys - bs.get(3)),
                bias.getDataType(), bias.getDevice()), 3);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        return new NDList(apply(ps, inputs.get(0), inputs.size() > 1 ? inputs.get(1) : null, training));
    }

    /** Linear layers, for LoRA. */
    public Linear[] linears() {
        return new Linear[] {q, kv, out};
    }

    /** Multiply-accumulates for S queries against S+C keys, per sequence. */
    public long macs(long s, long c) {
        return s * q.macsPerRow() + (s + c) * kv.macsPerRow() + s * out.macsPerRow() + 2 * s * (s + c) * dim;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
