package io.physmaster.model;

import ai.djl.ndarray.NDArray;

/** Parameter-free tensor functions used by several blocks. */
final class Ops {

    /** LayerNorm over the last axis without affine parameters (adaLN supplies scale and shift). */
    static NDArray layerNorm(NDArray x) {
        NDArray mean = x.mean(new int[] {-1}, true);
        NDArray centered = x.sub(mean);
        NDArray var = centered.square().mean(new int[] {-1}, true);
        return centered.div(var.add(1e-6f).sqrt());
    }

    /** x * (1 + scale) + shift, with scale/shift [B, D] broadcast over the token axes of x [B, ..., D]. */
    static NDArray modulate(NDArray x, NDArray shift, NDArray scale) {
        while (shift.getShape().dimension() < x.getShape().dimension()) {
            shift = shift.expandDims(1);
            scale = scale.expandDims(1);
        }
        return x.mul(scale.add(1f)).add(shift);
    }

    /** gate [B, D] broadcast over the token axes of x [B, ..., D]. */
    static NDArray gate(NDArray x, NDArray gate) {
        while (gate.getShape().dimension() < x.getShape().dimension()) {
            gate = gate.expandDims(1);
        }
        return x.mul(gate);
    }

    /**
     * GELU, the engine's own (exact, erf-based): its backward stays finite for large inputs, where the tanh
     * formula's 0 * inf gave NaN.
     */
    static NDArray gelu(NDArray x) {
        return ai.djl.nn.Activation.gelu(x);
    }

    private Ops() {
    }
}
