package io.physmaster.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
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
        return layerNorm(x, 1f);
    }

    /** LayerNorm as above, times a constant {@code scale}: one fused op (the scale is LayerNorm's weight). */
    static NDArray layerNorm(NDArray x, float scale) {
        long d = x.getShape().get(x.getShape().dimension() - 1);
        NDArray[] unit = UNIT_AFFINE.computeIfAbsent(d + "/" + scale + "/" + x.getDataType() + "/" + x.getDevice(),
                k -> {
                    NDManager m = Constants.MANAGER;
                    return new NDArray[] {m.full(new Shape(d), scale, x.getDataType(), x.getDevice()),
                        m.zeros(new Shape(d), x.getDataType(), x.getDevice())};
                });
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(d), unit[0], unit[1], 1e-6f).singletonOrThrow();
    }

    /**
     * The LayerNorm's constant scale and zero shift per (width, scale, dtype, device), made once: making them per call was
     * two tensors per LayerNorm (29 per DiT forward). Never written to, so sharing them is safe.
     */
    private static final Map<String, NDArray[]> UNIT_AFFINE = new ConcurrentHashMap<>();

    /** Created on first use, after ModelRuntime.setUp has configured the engine. */
    private static final class Constants {
        static final NDManager MANAGER = NDManager.newBaseManager();
    }

    /**
     * adaLN's n chunks of a [B, n*D] modulation, shaped to broadcast over tokens [B, F, P, D] without a reshape
     * per use: [B, 1, 1, D] each, or [D] each when B = 1 (then {@link #modulatedNorm} can fuse them into the
     * LayerNorm: one op instead of four).
     */
    static NDList chunks(NDArray mod, int n) {
        long b = mod.getShape().get(0);
        long width = mod.getShape().get(1);
        NDArray shaped = b == 1 ? mod.reshape(width) : mod.reshape(b, 1, 1, width);
        return shaped.split(n, shaped.getShape().dimension() - 1);
    }

    /**
     * mod(LN(x)) = LN(x) * (1 + scale) + shift, shift and scale from {@link #chunks}. With one modulation for
     * every token ([D]), it is LayerNorm's own affine transform: the engine's fused kernel does all of it.
     */
    static NDArray modulatedNorm(NDArray x, NDArray shift, NDArray scale) {
        if (shift.getShape().dimension() == 1) {
            long d = x.getShape().get(x.getShape().dimension() - 1);
            return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(d), scale.add(1f), shift, 1e-6f).singletonOrThrow();
        }
        return layerNorm(x).mul(scale.add(1f)).add(shift);
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
