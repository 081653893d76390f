package io.physmaster.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;

/**
 * y = x W + b, with an optional LoRA adapter: y += (alpha / r) * (x A) B.
 *
 * <p>W: [in, out], b: [out], A: [in, r] (small random), B: [r, out] (zero, so a fresh adapter changes nothing).
 * Weights are stored [in, out] so the forward pass never transposes a parameter (an op on a parameter would
 * allocate in the model's memory scope on every call).
 * Stage II trains only A and B; {@link #mergeLora} folds them into W for serving.
 */
public final class Linear extends ModelBlock {

    private final int in;
    private final int out;
    private final Parameter weight;
    private final Parameter bias;
    private Parameter loraA;
    private Parameter loraB;
    private float loraScale;

    public Linear(int in, int out, boolean zeroInit) {
        this.in = in;
        this.out = out;
        this.weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(in, out))
                .optInitializer(zeroInit ? new ConstantInitializer(0f) : new NormalInitializer((float) Math.sqrt(1.0 / in)))
                .build());
        this.bias = addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BIAS)
                .optShape(new Shape(out)).build());
    }

    public Linear(int in, int out) {
        this(in, out, false);
    }

    /** Adds a rank-r LoRA adapter (before initialize, or call {@link #initializeLora} after). */
    public void addLora(int rank, float alpha) {
        if (loraA != null) {
            return;
        }
        loraA = addParameter(Parameter.builder().setName("lora_a").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(in, rank)).optInitializer(new NormalInitializer(0.01f)).build());
        loraB = addParameter(Parameter.builder().setName("lora_b").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(rank, out)).optInitializer(new ConstantInitializer(0f)).build());
        loraScale = alpha / rank;
    }

    public void initializeLora(NDManager manager) {
        loraA.initialize(manager, DataType.FLOAT32);
        loraB.initialize(manager, DataType.FLOAT32);
    }

    public Parameter loraA() {
        return loraA;
    }

    public Parameter loraB() {
        return loraB;
    }

    public Parameter weight() {
        return weight;
    }

    /** W += scale * B A, then B = 0: the adapter is now part of the weight. */
    public void mergeLora() {
        if (loraA == null) {
            return;
        }
        NDArray w = weight.getArray();
        NDArray delta = loraA.getArray().matMul(loraB.getArray()).mul(loraScale);
        w.addi(delta);
        loraB.getArray().muli(0);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();                       // [..., in]
        NDArray w = ps.getValue(weight, x.getDevice(), training);    // [in, out]
        NDArray b = ps.getValue(bias, x.getDevice(), training);      // [out]
        // x W + b in one kernel (addmm) through a view of W^T: made once per weight array for serving; per call,
        // in the caller's scope, when training (the view must carry the gradient). Both modes run the same kernel,
        // so a frozen reference and a policy with the same weights give the same errors to the last bit.
        NDArray wt = training ? scoped(w.transpose(), x) : transposed(w);             // [out, in]
        NDArray y = ai.djl.nn.core.Linear.linear(x, wt, b).singletonOrThrow();         // [..., out]
        if (loraA != null) {
            NDArray a = ps.getValue(loraA, x.getDevice(), training); // [in, r]
            NDArray bb = ps.getValue(loraB, x.getDevice(), training);// [r, out]
            y = y.add(ScalarOps.times(x.matMul(a).matMul(bb), loraScale));
        }
        return new NDList(y);
    }

    /**
     * W^T [out, in] as a view of W (no copy; detached, so it records no gradient), kept while W is the same
     * array: in-place updates (an optimizer step, a LoRA merge, a hot swap's copy) show through the view.
     */
    private NDArray transposed(NDArray w) {
        TransposedView view = transposedView;
        if (view == null || view.of() != w) {
            // A loaded checkpoint (a hot swap) replaces the array: the old view would keep its storage alive.
            TransposedView old = view;
            try (NDArray detached = w.stopGradient()) { // the view keeps the storage
                view = new TransposedView(w, detached.transpose());
            }
            transposedView = view;
            if (old != null) {
                old.transposed().close();
            }
        }
        return view.transposed();
    }

    /** An op's result on a parameter lands in the model's scope: move it to the input's, freed with it. */
    private static NDArray scoped(NDArray result, NDArray x) {
        result.attach(x.getManager());
        return result;
    }

    /** W^T as a view of the weight array {@code of}. */
    private record TransposedView(NDArray of, NDArray transposed) {
    }

    private volatile TransposedView transposedView;

    /** Convenience: one array in, one out. */
    public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
        return forward(ps, new NDList(x), training).singletonOrThrow();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {s.slice(0, s.dimension() - 1).add(out)};
    }

    /** Multiply-accumulates per input row (for FLOP counts). */
    public long macsPerRow() {
        return (long) in * out;
    }
}
