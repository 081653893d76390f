package io.physmaster.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import io.physmaster.model.ModelConfig;
import io.physmaster.model.PhysMasterModel;

/**
 * The test oracle for the sampler: the DiT's velocity written out plainly from its parameters (looked up by
 * name), everything recomputed at every call as the sampler did before per-video caching, with its own
 * LayerNorm formula. The model's classes must agree with it.
 */
final class ReferenceDit {

    private final PhysMasterModel net;
    private final ModelConfig cfg;

    ReferenceDit(PhysMasterModel net) {
        this.net = net;
        this.cfg = net.config();
    }

    /** A DiT parameter by path, e.g. "block0/spatial/q/weight" (DJL prefixes child names with their index). */
    private NDArray w(String path) {
        Block b = net.dit();
        String[] parts = path.split("/");
        for (int i = 0; i < parts.length - 1; i++) {
            b = child(b, parts[i]);
        }
        for (var p : b.getDirectParameters()) {
            if (p.getKey().equals(parts[parts.length - 1])) {
                return p.getValue().getArray();
            }
        }
        throw new IllegalArgumentException("no parameter " + path);
    }

    private static Block child(Block b, String name) {
        for (var c : b.getChildren()) {
            if (c.getKey().replaceFirst("^\\d+", "").equals(name)) {
                return c.getValue();
            }
        }
        throw new IllegalArgumentException("no child " + name);
    }

    private NDArray linear(String path, NDArray x) {
        return x.matMul(w(path + "/weight")).add(w(path + "/bias"));
    }

    private static NDArray ln(NDArray x) {
        NDArray mean = x.mean(new int[] {-1}, true);
        NDArray centred = x.sub(mean);
        return centred.div(centred.square().mean(new int[] {-1}, true).add(1e-6f).sqrt());
    }

    private static NDArray gelu(NDArray x) {
        return Activation.gelu(x);
    }

    /** x [B, ..., D] * (1 + scale [B, D]) + shift [B, D] */
    private static NDArray modulate(NDArray x, NDArray shift, NDArray scale) {
        return x.mul(expand(scale, x).add(1f)).add(expand(shift, x));
    }

    private static NDArray expand(NDArray v, NDArray like) {
        while (v.getShape().dimension() < like.getShape().dimension()) {
            v = v.expandDims(1);
        }
        return v;
    }

    /** q from x, k/v from [x ; context repeated], QK-norm, logits 2 q.k / sqrt(dh) + bias on the first keys. */
    private NDArray attention(String path, NDArray x, NDArray context, int repeat, NDArray bias) {
        long n = x.getShape().get(0);
        long s = x.getShape().get(1);
        int d = cfg.dim();
        int h = cfg.heads();
        int dh = d / h;
        NDArray kvc = linear(path + "/kv", context);                                     // [N/repeat, C, 2D]
        long c = kvc.getShape().get(1);
        kvc = kvc.expandDims(1).repeat(1, repeat).reshape(n, c, 2L * d);
        NDArray kv = linear(path + "/kv", x).concat(kvc, 1).reshape(n, s + c, 2, h, dh);
        NDArray q = ln(linear(path + "/q", x).reshape(n, s, h, dh)).mul(2f / (float) Math.sqrt(dh)).transpose(0, 2, 1, 3);
        NDArray k = ln(kv.get(new NDIndex(":, :, 0"))).transpose(0, 2, 3, 1);            // [N, H, dh, S+C]
        NDArray v = kv.get(new NDIndex(":, :, 1")).transpose(0, 2, 1, 3);                // [N, H, S+C, dh]
        NDArray scores = q.matMul(k);                                                    // [N, H, S, S+C]
        if (bias != null) {
            long g = bias.getShape().get(0);
            long kb = bias.getShape().get(3);
            NDArray full = bias.concat(x.getManager().zeros(new Shape(g, h, s, s + c - kb)), 3);
            scores = scores.reshape(n / g, g, h, s, s + c).add(full).reshape(n, h, s, s + c);
        }
        NDArray mixed = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(n, s, d);
        return linear(path + "/out", mixed);
    }

    /** The relative position bias of block i: [F, H, P, 2P] from its table [2R, F, H]. */
    private NDArray relPos(int i, ai.djl.ndarray.NDManager manager) {
        int g = cfg.size() / cfg.patch();
        int p = g * g;
        int side = 2 * g - 1;
        float[] table = w("block" + i + "/rel_pos/table").toFloatArray();
        int f = cfg.frames() - 1;
        int h = cfg.heads();
        float[] out = new float[f * h * p * 2 * p];
        for (int fi = 0; fi < f; fi++) {
            for (int hi = 0; hi < h; hi++) {
                for (int q = 0; q < p; q++) {
                    for (int k = 0; k < 2 * p; k++) {
                        int kk = k % p;
                        int off = (q / g - kk / g + g - 1) * side + (q % g - kk % g + g - 1) + (k < p ? 0 : side * side);
                        out[((fi * h + hi) * p + q) * 2 * p + k] = 10f * table[(off * f + fi) * h + hi];
                    }
                }
            }
        }
        return manager.create(out, new Shape(f, h, p, 2L * p));
    }

    /** v for x_t [B, F, 3, H, W], t [B], first [B, 3, H, W] in [-1, 1], c_phys [B, K, D] or null. */
    NDArray velocity(NDArray xt, NDArray t, NDArray first, NDArray cPhys) {
        long b = xt.getShape().get(0);
        int f = cfg.frames() - 1;
        int d = cfg.dim();
        long p = cfg.patchesPerFrame();
        NDArray firstF = first.expandDims(1);
        NDArray tb = t.reshape(b, 1, 1, 1, 1);
        NDArray tokens = linear("patch_embed", patchify(xt.sub(firstF.mul(tb)))).add(w("space_pos")).add(w("time_pos"));
        if (cfg.physPlan() && cPhys != null) {
            int k = (int) Math.round(Math.sqrt(cfg.physTokens()));
            int r = (int) Math.sqrt((double) p) / k;
            NDArray plan = linear("phys_plan/decode", cPhys).reshape(b, k, k, f, r, r).transpose(0, 3, 1, 4, 2, 5)
                    .reshape(b, f, p, 1);
            tokens = tokens.add(linear("phys_plan/embed", plan));
        }
        NDArray image = linear("image_embed", patchify(firstF)).squeeze(1).add(w("space_pos")).add(w("image_type"));
        NDArray cond = cPhys == null ? image : image.concat(cPhys.add(w("phys_type")), 1);
        int half = d / 2;
        NDArray freqs = first.getManager().arange(0, half, 1, DataType.FLOAT32).mul(-Math.log(10000) / half).exp();
        NDArray ang = t.mul(1000f).expandDims(1).mul(freqs.expandDims(0));
        NDArray c = linear("time_embed/fc2", gelu(linear("time_embed/fc1", ang.sin().concat(ang.cos(), 1))));
        if (cfg.physModulation() && cPhys != null) {
            c = c.add(linear("phys_mod", cPhys.mean(new int[] {1})));
        }
        for (int i = 0; i < cfg.depth(); i++) {
            String blk = "block" + i;
            NDList m = linear(blk + "/ada", gelu(c)).split(9, 1);
            NDArray h = modulate(ln(tokens), m.get(0), m.get(1)).reshape(b * f, p, d);
            NDArray s = attention(blk + "/spatial", h, cond, f, relPos(i, xt.getManager())).reshape(b, f, p, d);
            tokens = tokens.add(s.mul(expand(m.get(2), s)));
            h = modulate(ln(tokens), m.get(3), m.get(4)).transpose(0, 2, 1, 3).reshape(b * p, f, d);
            NDArray tt = attention(blk + "/temporal", h, image.reshape(b * p, 1, d), 1, null)
                    .reshape(b, p, f, d).transpose(0, 2, 1, 3);
            tokens = tokens.add(tt.mul(expand(m.get(5), tt)));
            h = modulate(ln(tokens), m.get(6), m.get(7));
            NDArray mlp = linear(blk + "/fc2", gelu(linear(blk + "/fc1", h)));
            tokens = tokens.add(mlp.mul(expand(m.get(8), mlp)));
        }
        NDList m = linear("final_ada", gelu(c)).split(2, 1);
        NDArray out = linear("final_out", modulate(ln(tokens), m.get(0), m.get(1)));
        int g = cfg.size() / cfg.patch();
        int pp = cfg.patch();
        NDArray delta = out.reshape(b, f, g, g, 3, pp, pp).transpose(0, 1, 4, 2, 5, 3, 6)
                .reshape(b, f, 3, cfg.size(), cfg.size());
        return firstF.add(delta).sub(xt).div(tb.neg().add(1f).maximum(0.01f));
    }

    private NDArray patchify(NDArray video) {
        long b = video.getShape().get(0);
        long f = video.getShape().get(1);
        int pp = cfg.patch();
        int g = cfg.size() / pp;
        return video.reshape(b, f, 3, g, pp, g, pp).transpose(0, 1, 3, 5, 2, 4, 6).reshape(b, f, (long) g * g,
                cfg.patchDim());
    }
}
