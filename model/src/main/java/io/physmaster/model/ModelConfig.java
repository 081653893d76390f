package io.physmaster.model;

/**
 * Architecture of the video model. Saved in every checkpoint; loading refuses a checkpoint whose config
 * differs from the model it is loaded into.
 *
 * @param frames         frames per video, including the given first frame (T)
 * @param size           frame side in pixels (H = W)
 * @param patch          patch side in pixels; a frame is (size/patch)^2 tokens
 * @param dim            transformer width D
 * @param heads          attention heads
 * @param depth          DiT blocks
 * @param physTokens     c_phys tokens from the PhysEncoder (0 = the "DiT only" baseline, no PhysEncoder)
 * @param backboneWidth  channels of the backbone's feature map
 * @param physModulation c_phys also modulates every DiT block (pooled c_phys added to the timestep embedding),
 *                       not only as extra attention tokens (model v2; false in v1 checkpoints)
 * @param headLayers     attention layers in the physical head that mix the backbone's positions before pooling,
 *                       with an occupancy decoder for the head's supervised target (0 = the v1 per-position head)
 * @param physPlan       c_phys is decoded into an object plan (occupancy of each patch in each generated frame)
 *                       that is added to the DiT's tokens at that patch and frame (model v3; false before)
 */
public record ModelConfig(int frames, int size, int patch, int dim, int heads, int depth, int physTokens,
                          int backboneWidth, boolean physModulation, int headLayers, boolean physPlan) {

    /** The v1 proxy-task model: 16 frames of 32x32, 4x4 patches, D=64, 4 blocks, 16 c_phys tokens. */
    public static final ModelConfig PROXY_V1 = new ModelConfig(16, 32, 4, 64, 4, 4, 16, 64, false, 0);

    /** Model v2: the same DiT, c_phys modulating every block, a physical head with 2 attention layers. */
    public static final ModelConfig PROXY = new ModelConfig(16, 32, 4, 64, 4, 4, 16, 64, true, 2);

    public ModelConfig {
        if (size % patch != 0 || size % 4 != 0) {
            throw new IllegalArgumentException("size must be a multiple of patch and of 4: " + size + "/" + patch);
        }
        if (dim % heads != 0) {
            throw new IllegalArgumentException("dim " + dim + " must divide into " + heads + " heads");
        }
        if (frames < 2) {
            throw new IllegalArgumentException("frames must be >= 2");
        }
        if (physPlan && physTokens == 0) {
            throw new IllegalArgumentException("the object plan is decoded from c_phys: it needs physTokens > 0");
        }
        if (headLayers < 0) {
            throw new IllegalArgumentException("headLayers must be >= 0, got " + headLayers);
        }
    }

    /** The v2 architecture (checkpoints written before model v3 carry these ten fields only). */
    public ModelConfig(int frames, int size, int patch, int dim, int heads, int depth, int physTokens,
                       int backboneWidth, boolean physModulation, int headLayers) {
        this(frames, size, patch, dim, heads, depth, physTokens, backboneWidth, physModulation, headLayers, false);
    }

    /** The v1 architecture (checkpoints written before model v2 carry these eight fields only). */
    public ModelConfig(int frames, int size, int patch, int dim, int heads, int depth, int physTokens,
                       int backboneWidth) {
        this(frames, size, patch, dim, heads, depth, physTokens, backboneWidth, false, 0);
    }

    /** The same model without a PhysEncoder (first-frame conditioning only). */
    public ModelConfig withoutPhysEncoder() {
        return new ModelConfig(frames, size, patch, dim, heads, depth, 0, backboneWidth, false, 0, false);
    }

    /** The same model with other v2 switches (ablations). */
    public ModelConfig withPhysPath(boolean modulation, int layers) {
        return new ModelConfig(frames, size, patch, dim, heads, depth, physTokens, backboneWidth, modulation, layers,
                physPlan);
    }

    /** The same model with or without the v3 object plan. */
    public ModelConfig withPhysPlan(boolean plan) {
        return new ModelConfig(frames, size, patch, dim, heads, depth, physTokens, backboneWidth, physModulation,
                headLayers, plan);
    }

    public boolean usesPhysEncoder() {
        return physTokens > 0;
    }

    /** Tokens per frame: P = (size / patch)^2. */
    public int patchesPerFrame() {
        return (size / patch) * (size / patch);
    }

    /** Values per patch: 3 * patch * patch. */
    public int patchDim() {
        return 3 * patch * patch;
    }
}
