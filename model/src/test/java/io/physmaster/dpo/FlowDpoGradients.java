package io.physmaster.dpo;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

/** Test helper: dL/d(theta_w) of FlowDpo.loss, with a hook run between forward and backward. */
public final class FlowDpoGradients {

    public static float[] wrtPreferredError(NDManager m, float[] thetaW, float[] refW, float[] thetaL, float[] refL,
                                            float beta, Runnable betweenForwardAndBackward) {
        try (NDManager scope = m.newSubManager()) {
            NDArray tw = scope.create(thetaW);
            tw.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                FlowDpo.Terms t = FlowDpo.loss(tw, scope.create(refW), scope.create(thetaL), scope.create(refL), beta);
                betweenForwardAndBackward.run();
                gc.backward(t.loss());
                return tw.getGradient().toFloatArray();
            }
        }
    }

    private FlowDpoGradients() {
    }
}
