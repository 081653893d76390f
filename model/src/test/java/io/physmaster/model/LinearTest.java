package io.physmaster.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The serving path (one addmm through a cached view of W^T) computes what the training path does, after changes. */
class LinearTest {

    @BeforeEach
    void device() {
        ModelRuntime.setUp();
    }

    static float[] both(Linear l, NDManager m, NDArray x, boolean training) {
        try (NDManager s = m.newSubManager()) {
            NDArray in = x.duplicate();
            in.attach(s);
            return l.apply(new ParameterStore(s, false), in, training).toFloatArray();
        }
    }

    @Test
    void servingEqualsTrainingAfterInPlaceUpdatesAndReplacedWeights() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Linear l = new Linear(8, 5);
            l.initialize(m, DataType.FLOAT32, new Shape(3, 8));
            l.getParameters().get("bias").getArray().addi(0.3f);
            NDArray x = m.randomNormal(new Shape(2, 3, 8));
            float[] before = both(l, m, x, false);
            assertArrayEquals(both(l, m, x, true), before, 1e-5f);

            l.weight().getArray().muli(2f);       // an optimizer step or a LoRA merge: in place
            float[] doubled = both(l, m, x, false);
            assertArrayEquals(both(l, m, x, true), doubled, 1e-5f);
            assertFalse(java.util.Arrays.equals(before, doubled), "the view sees in-place updates");

            // A loaded checkpoint (a hot swap) gives the parameter a new array.
            Linear other = new Linear(8, 5);
            other.initialize(m, DataType.FLOAT32, new Shape(3, 8));
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            other.saveParameters(new java.io.DataOutputStream(bytes));
            l.loadParameters(m, new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())));
            float[] replaced = both(l, m, x, false);
            assertArrayEquals(both(l, m, x, true), replaced, 1e-5f);
            assertFalse(java.util.Arrays.equals(doubled, replaced), "a new weight array is used, not the cached view");
        }
    }
}
