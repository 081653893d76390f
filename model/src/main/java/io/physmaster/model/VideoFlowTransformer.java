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
 * The image-to-video flow transformer ("DiT"): predicts the velocity of frames 1..T-1 given their noisy
 * state x_t, the flow time t, the first frame and c_phys.
 *
 * <pre>
 *   x_t    [B, F, 3, H, W]   F = T - 1 generated frames, values ~ [-1, 1] at t = 1
 *   t      [B]
 *   first  [B, 3, H, W]      the given frame
 *   c_phys [B, K, D] or null (the "DiT only" baseline, or classifier-free guidance's unconditional pass)
 *
 *   r_t = x_t - t * first                    the state relative to the given frame (background ~ noise only)
 *   tokens = PatchEmbed(r_t) + space_pos + time_pos                    [B, F, P, D]
 *   c_image = PatchEmbed(first) + space_pos + image_type               [B, P, D]
 *   cond = [c_image ; c_phys + phys_type]                              [B, P + K, D]
 *   (v3: tokens += PhysPlan(c_phys): the object plan, at each patch and frame)
 *   c = TimeEmbed(t) (+ PhysMod(mean_K c_phys) in v2: c_phys modulates every block)   [B, D]
 *   for each block: tokens = DiTBlock(tokens, cond, c_image, c)
 *   (everything that depends only on first and c_phys, down to each block's context keys and values and the
 *   relative position bias, is computed once per video: condition(); the rest per step: velocity(..., cd))
 *   delta = Unpatchify(Linear(mod(LN(tokens))))                        [B, F, 3, H, W]
 *   x1_hat = first + delta                   predicted clean frames ("x-prediction")
 *   v = (x1_hat - x_t) / max(1 - t, 0.01)    the velocity the flow needs to reach x1_hat at t = 1
 * </pre>
 * Why predict clean frames relative to the first one, rather than the velocity directly: the velocity
 * z1 - z0 is mostly noise (3*4*4 = 48 noisy values per token), while the clean video lies on a simple manifold
 * and differs from the first frame only where objects move. The output layer starts at zero, so an untrained
 * model already generates the static video (first frame repeated) and training only has to learn the motion
 * (cf. Li and He, "Back to Basics: Let Denoising Generative Models Denoise", 2025: x-prediction with a
 * velocity loss). The loss (FlowMatching.loss on v) and the sampler are unchanged.
 */
public final class VideoFlowTransformer extends ModelBlock {

    /**
     * Floor of 1 - t when turning x1_hat into a velocity (bounded v near t = 1). Small enough that an Euler
     * sampler with up to 100 steps still lands exactly on x1_hat at its last step.
     */
    static final float MIN_ONE_MINUS_T = 0.01f;

    private final ModelConfig cfg;
    private final Linear patchEmbed;
    private final Linear imageEmbed;
    private final Parameter spacePos;
    private final Parameter timePos;
    private final Parameter imageType;
    private final Parameter physType;
    private final TimestepEmbedding timeEmbed;
    private final Linear physModulation;
    private final PhysPlan physPlan;
    private final List<DiTBlock> blocks = new ArrayList<>();
    private final Linear finalAda;
    private final Linear finalOut;

    public VideoFlowTransformer(ModelConfig cfg) {
        this.cfg = cfg;
        int d = cfg.dim();
        this.patchEmbed = addChildBlock("patch_embed", new Linear(cfg.patchDim(), d));
        this.imageEmbed = addChildBlock("image_embed", new Linear(cfg.patchDim(), d));
        this.spacePos = addParameter(param("space_pos", cfg.patchesPerFrame(), d));
        this.timePos = addParameter(Parameter.builder().setName("time_pos").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(cfg.frames() - 1, 1, d)).optInitializer(new NormalInitializer(0.02f)).build());
        this.imageType = addParameter(param("image_type", 1, d));
        this.physType = addParameter(param("phys_type", 1, d));
        this.timeEmbed = addChildBlock("time_embed", new TimestepEmbedding(d));
        this.physModulation = cfg.physModulation() ? addChildBlock("phys_mod", new Linear(d, d, true)) : null; // zero: starts as v1
        this.physPlan = cfg.physPlan() ? addChildBlock("phys_plan", new PhysPlan(cfg)) : null;
        for (int i = 0; i < cfg.depth(); i++) {
            blocks.add(addChildBlock("block" + i, new DiTBlock(d, cfg.heads(), cfg.frames() - 1, cfg.size() / cfg.patch())));
        }
        this.finalAda = addChildBlock("final_ada", new Linear(d, 2 * d, true));
        this.finalOut = addChildBlock("final_out", new Linear(d, cfg.patchDim(), true));
    }

    private static Parameter param(String name, int rows, int d) {
        return Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optShape(new Shape(rows, d))
                .optInitializer(new NormalInitializer(0.02f)).build();
    }

    public NDArray velocity(ParameterStore ps, NDArray xt, NDArray t, NDArray first, NDArray cPhys, boolean training) {
        return velocity(ps, xt, t, condition(ps, first, cPhys, training), training);
    }

    /**
     * Everything the velocity needs of the first frame and c_phys, none of which depends on x_t or t: a
     * sampler computes it once per video instead of at every step (its arrays live in first's manager).
     */
    public record Conditioning(NDArray firstF, NDArray tokenBias, NDArray cPhysMod, List<DiTBlock.Context> blocks) {
    }

    /** first [B, 3, H, W] in [-1, 1], c_phys [B, K, D] or null -> the per-video {@link Conditioning}. */
    public Conditioning condition(ParameterStore ps, NDArray first, NDArray cPhys, boolean training) {
        var dev = first.getDevice();
        NDArray space = ps.getValue(spacePos, dev, training);                                    // [P, D]
        NDArray firstF = first.expandDims(1);                                                     // [B, 1, 3, H, W]
        NDArray tokenBias = space.add(ps.getValue(timePos, dev, training));                       // [F, P, D]
        tokenBias.attach(first.getManager()); // made from parameters only: keep it in the caller's scope
        if (physPlan != null && cPhys != null) {
            tokenBias = physPlan.embed(ps, physPlan.decode(ps, cPhys, training), training).add(tokenBias); // [B, F, P, D]
        }
        NDArray image = imageEmbed.apply(ps, patchify(firstF), training).squeeze(1)               // [B, P, D]
                .add(space).add(ps.getValue(imageType, dev, training));
        NDArray cond = cPhys == null ? image
                : image.concat(cPhys.add(ps.getValue(physType, dev, training)), 1);              // [B, P+K, D]
        NDArray mod = physModulation != null && cPhys != null
                ? physModulation.apply(ps, cPhys.mean(new int[] {1}), training) : null;           // [B, D]
        List<DiTBlock.Context> contexts = new ArrayList<>();
        for (DiTBlock block : blocks) {
            contexts.add(block.context(ps, cond, image, cfg.frames() - 1, training));
        }
        return new Conditioning(firstF, tokenBias, mod, contexts);
    }

    /**
     * The velocity with a precomputed {@link Conditioning}. Every op's first operand is x_t, t or what they
     * made, so a sampler's per-step arrays stay in x_t's (per-step) manager.
     */
    public NDArray velocity(ParameterStore ps, NDArray xt, NDArray t, Conditioning cd, boolean training) {
        long b = xt.getShape().get(0);
        long f = xt.getShape().get(1);
        NDArray tb = t.reshape(b, 1, 1, 1, 1);                                                    // [B, 1, 1, 1, 1]
        NDArray rt = xt.sub(tb.mul(cd.firstF()));                                                 // r_t [B, F, 3, H, W]
        NDArray tokens = patchEmbed.apply(ps, patchify(rt), training).add(cd.tokenBias());        // [B, F, P, D]
        NDArray c = timeEmbed.apply(ps, t, training);                                              // [B, D]
        if (cd.cPhysMod() != null) {
            c = c.add(cd.cPhysMod());                                                             // + [B, D]
        }
        for (int i = 0; i < blocks.size(); i++) {
            tokens = blocks.get(i).apply(ps, tokens, cd.blocks().get(i), c, training);
        }
        NDList m = Ops.chunks(finalAda.apply(ps, Ops.gelu(c), training), 2);
        NDArray out = finalOut.apply(ps, Ops.modulatedNorm(tokens, m.get(0), m.get(1)), training);
        NDArray x1hat = unpatchify(out, b, f).add(cd.firstF());                                   // [B, F, 3, H, W]
        return x1hat.sub(xt).div(ScalarOps.atLeast(tb.neg().add(1f), MIN_ONE_MINUS_T));          // v [B, F, 3, H, W]
    }

    /** The v3 object plan decoded from c_phys [B, K, D] -> [B, F, G, G] (Stage I supervises it). */
    public NDArray plan(ParameterStore ps, NDArray cPhys, boolean training) {
        if (physPlan == null) {
            throw new IllegalStateException("this model has no object plan (ModelConfig.physPlan is false)");
        }
        return physPlan.decode(ps, cPhys, training);
    }

    public boolean hasPlan() {
        return physPlan != null;
    }

    /** [B, F, 3, H, W] -> [B, F, P, 3*p*p]. */
    NDArray patchify(NDArray video) {
        Shape s = video.getShape();
        long b = s.get(0);
        long f = s.get(1);
        int p = cfg.patch();
        int g = cfg.size() / p;
        return video.reshape(b, f, 3, g, p, g, p)
                .transpose(0, 1, 3, 5, 2, 4, 6)                 // [B, F, gy, gx, 3, py, px]
                .reshape(b, f, (long) g * g, cfg.patchDim());
    }

    /** [B, F, P, 3*p*p] -> [B, F, 3, H, W]. */
    NDArray unpatchify(NDArray tokens, long b, long f) {
        int p = cfg.patch();
        int g = cfg.size() / p;
        return tokens.reshape(b, f, g, g, 3, p, p)
                .transpose(0, 1, 4, 2, 5, 3, 6)                 // [B, F, 3, gy, py, gx, px]
                .reshape(b, f, 3, cfg.size(), cfg.size());
    }

    public ModelConfig config() {
        return cfg;
    }

    /** Every Linear inside the transformer blocks (where LoRA adapters go). */
    public List<Linear> blockLinears() {
        List<Linear> all = new ArrayList<>();
        for (DiTBlock b : blocks) {
            all.addAll(List.of(b.linears()));
        }
        return all;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
        return new NDList(velocity(ps, in.get(0), in.get(1), in.get(2), in.size() > 3 ? in.get(3) : null, training));
    }

    /** Multiply-accumulates per sample for one forward pass. */
    public long macs() {
        long f = cfg.frames() - 1;
        long p = cfg.patchesPerFrame();
        long c = p + cfg.physTokens();
        long total = (f + 1) * p * patchEmbed.macsPerRow() + f * p * finalOut.macsPerRow()
                + timeEmbed.macs() + finalAda.macsPerRow() + (physModulation == null ? 0 : physModulation.macsPerRow());
        if (physPlan != null) {
            total += physPlan.macs(cfg.physTokens(), p);
        }
        for (DiTBlock b : blocks) {
            total += b.macs(f, p, c);
        }
        return total;
    }
}
