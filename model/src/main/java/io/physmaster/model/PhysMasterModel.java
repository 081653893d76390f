package io.physmaster.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The whole generator: PhysEncoder (absent in the "DiT only" baseline) feeding the video flow transformer.
 * <pre>  v = DiT(x_t, t, first, E_p(first))  </pre>
 */
public final class PhysMasterModel extends ModelBlock {

    private final ModelConfig cfg;
    private final PhysEncoder encoder;
    private final VideoFlowTransformer dit;

    public PhysMasterModel(ModelConfig cfg) {
        this.cfg = cfg;
        this.encoder = cfg.usesPhysEncoder()
                ? addChildBlock("encoder", new PhysEncoder(new ConvBackbone(cfg.backboneWidth()),
                        new PhysicalHead(cfg)))
                : null;
        this.dit = addChildBlock("dit", new VideoFlowTransformer(cfg));
    }

    /** c_phys for a batch of first frames, or null without a PhysEncoder. */
    public NDArray physical(ParameterStore ps, NDArray first, boolean training) {
        return encoder == null ? null : encoder.apply(ps, first, training);
    }

    /** Velocity with a precomputed c_phys (null = no physical conditioning). */
    public NDArray velocity(ParameterStore ps, NDArray xt, NDArray t, NDArray first, NDArray cPhys, boolean training) {
        return dit.velocity(ps, xt, t, first, cPhys, training);
    }

    /** The per-video part of the velocity, for samplers: see {@link VideoFlowTransformer#condition}. */
    public VideoFlowTransformer.Conditioning condition(ParameterStore ps, NDArray first, NDArray cPhys,
                                                       boolean training) {
        return dit.condition(ps, first, cPhys, training);
    }

    /** Velocity with a precomputed conditioning (the sampler's per-step call). */
    public NDArray velocity(ParameterStore ps, NDArray xt, NDArray t, VideoFlowTransformer.Conditioning cd,
                            boolean training) {
        return dit.velocity(ps, xt, t, cd, training);
    }

    public ModelConfig config() {
        return cfg;
    }

    public PhysEncoder encoder() {
        return encoder;
    }

    public VideoFlowTransformer dit() {
        return dit;
    }

    /**
     * Training forward. inputs: x_t [B, F, 3, H, W], t [B], first [B, 3, H, W], optional keep [B] (0 drops
     * c_phys: guidance training). Outputs: v [B, F, 3, H, W], and for a v2 head (or a v3 object plan) the
     * predicted occupancy [B, F, G, G] (from the undropped c_phys: the target does not depend on the dropout draw).
     */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
        NDArray first = in.get(2);
        NDArray cPhys = physical(ps, first, training);
        NDArray kept = cPhys != null && in.size() > 3 ? cPhys.mul(in.get(3).reshape(-1, 1, 1)) : cPhys;
        NDList out = new NDList(velocity(ps, in.get(0), in.get(1), first, kept, training));
        if (cPhys != null && dit.hasPlan()) {
            out.add(dit.plan(ps, cPhys, training));                                   // v3: the DiT's object plan
        } else if (cPhys != null && encoder.head().predictsOccupancy()) {
            out.add(encoder.head().occupancy(ps, cPhys, training));
        }
        return out;
    }

    /** Multiply-accumulates per sample for one velocity evaluation (encoder included). */
    public long macs() {
        long enc = 0;
        if (encoder != null) {
            ConvBackbone bb = (ConvBackbone) encoder.backbone();
            enc = bb.macs(cfg.size()) + encoder.head().macs(cfg.size() / 4);
        }
        return enc + dit.macs();
    }
}
