package io.physmaster.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Tensor-by-constant arithmetic that is safe to differentiate. Use these instead of DJL's {@code mul(Number)},
 * {@code div(Number)} and {@code maximum(Number)} anywhere a gradient can flow.
 *
 * <p>Why: DJL 0.36's PyTorch engine turns the Number into a tensor over a Java direct buffer
 * ({@code torch::from_blob}, memory PyTorch does not own) and closes it as soon as the op returns. Autograd
 * keeps that tensor for the backward pass (d(x*c)/dx needs c), so a garbage collection between forward and
 * backward frees the buffer and the backward reads whatever reuses the memory: garbage or NaN gradients. It
 * showed when a worker sampled in the trainer's JVM (its allocations caused GCs, its own scalars reused the
 * freed memory). A constant made by {@code full} lives in memory PyTorch allocated and counts references to.
 */
public final class ScalarOps {

    /** A 0-dim tensor holding c, in PyTorch-owned memory, on x's device and dtype. */
    public static NDArray constant(NDArray x, float c) {
        return x.getManager().full(new Shape(), c, x.getDataType());
    }

    /** x * c */
    public static NDArray times(NDArray x, float c) {
        return x.mul(constant(x, c));
    }

    /** x / c */
    public static NDArray dividedBy(NDArray x, float c) {
        return x.div(constant(x, c));
    }

    /** max(x, c) elementwise */
    public static NDArray atLeast(NDArray x, float c) {
        return x.maximum(constant(x, c));
    }

    /** min(x, c) elementwise */
    public static NDArray atMost(NDArray x, float c) {
        return x.minimum(constant(x, c));
    }

    private ScalarOps() {
    }
}
