package io.physmaster.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Parameter-free tensor functions used by several blocks. */
final class Ops {

    /**
     * LayerNorm over the last axis without affine parameters (adaLN supplies scale and shift):
     * (x - mean) / sqrt(var + 1e-6), var the biased variance. The engine's fused kernel (one op forward and
     * backward instead of seven): LayerNorms were about a third of a DiT forward + backward on the CPU.
     */
    static NDArray layerNorm(NDArray x) {
        long d = x.getShape().get(x.getShape().dimension() - 1);
        NDArray[] unit = UNIT_AFFINE.computeIfAbsent(d + "/" + x.getDataType() + "/" + x.getDevice(), k -> {
            NDManager m = Constants.MANAGER;
            return new NDArray[] {m.ones(new Shape(d), x.getDataType(), x.getDevice()),
                m.zeros(new Shape(d), x.getDataType(), x.getDevice())};
        });
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(d), unit[0], unit[1], 1e-6f).singletonOrThrow();
    }

    /**
     * The LayerNorm's unit scale and zero shift per (width, dtype, device), made once: making them per call was
     * two tensors per LayerNorm (29 per DiT forward). Never written to, so sharing them is safe.
     */
    private static final Map<String, NDArray[]> UNIT_AFFINE = new ConcurrentHashMap<>();

    /** Created on first use, after ModelRuntime.setUp has configured the engine. */
    private static final class Constants {
        static final NDManager MANAGER = NDManager.newBaseManager();
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
