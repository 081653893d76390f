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

    /** GELU, tanh approximation. x*x*x, not pow(x, 3): the engine's pow backward gave NaN on negative inputs. */
    static NDArray gelu(NDArray x) {
        NDArray inner = x.add(x.mul(x).mul(x).mul(0.044715f)).mul((float) Math.sqrt(2 / Math.PI));
        return x.mul(0.5f).mul(inner.tanh().add(1f));
    }

    private Ops() {
    }
}
