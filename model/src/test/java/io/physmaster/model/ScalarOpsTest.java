package io.physmaster.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.physmaster.dpo.FlowDpoGradients;
import org.junit.jupiter.api.Test;

/**
 * Gradients must not depend on when the JVM collects garbage. Between forward and backward each test forces
 * GCs and then creates many scalars from two threads, as a worker sampling in the trainer's JVM did: with
 * DJL's mul(Number)/maximum(Number) the backward then read freed memory (garbage or NaN gradients, every
 * time); with ScalarOps the constants live in PyTorch's memory.
 */
class ScalarOpsTest {

    @Test
    void gradientsOfConstantArithmeticSurviveGarbageCollection() throws Exception {
        ModelRuntime.setUp();
        try (NDManager m = NDManager.newBaseManager()) {
            for (int round = 0; round < 3; round++) {
                NDArray x = m.create(new float[] {-2f, -0.5f, 0.25f, 3f});
                x.setRequiresGradient(true);
                float[] grad;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    // y = sum( max(x * 3, 0) / 2 ):  dy/dx = 1.5 where x > 0, else 0
                    NDArray y = ScalarOps.dividedBy(ScalarOps.atLeast(ScalarOps.times(x, 3f), 0f), 2f).sum();
                    collectAndReuseMemory(m);
                    gc.backward(y);
                    grad = x.getGradient().toFloatArray();
                }
                assertArrayEquals(new float[] {0f, 0f, 1.5f, 1.5f}, grad, 0f, "round " + round);
            }
        }
    }

    @Test
    void flowDpoLossGradientSurvivesGarbageCollection() throws Exception {
        ModelRuntime.setUp();
        try (NDManager m = NDManager.newBaseManager()) {
            float[] thetaW = {0.50f, 0.40f, 0.30f, 0.20f};
            float[] refW = {0.51f, 0.41f, 0.29f, 0.20f};
            float[] thetaL = {0.30f, 0.35f, 0.30f, 0.25f};
            float[] refL = {0.30f, 0.35f, 0.31f, 0.24f};
            float beta = 2000f;
            for (int round = 0; round < 3; round++) {
                float[] grad = FlowDpoGradients.wrtPreferredError(m, thetaW, refW, thetaL, refL, beta,
                        () -> collectAndReuseMemory(m));
                for (int i = 0; i < thetaW.length; i++) {
                    // L = mean softplus(-inside), inside = -(beta/2)((tw - rw) - (tl - rl)):
                    // dL/dtw_i = (beta/2) * sigmoid(-inside_i) / B
                    double inside = -(beta / 2) * ((thetaW[i] - refW[i]) - (thetaL[i] - refL[i]));
                    double expected = (beta / 2) / (1 + Math.exp(inside)) / thetaW.length;
                    assertEquals(expected, grad[i], 1e-4 * Math.max(1, Math.abs(expected)), "round " + round + " pair " + i);
                }
            }
        }
    }

    /** Forces GCs (freeing unreachable direct buffers), then allocates scalars from two threads. */
    static void collectAndReuseMemory(NDManager m) {
        try {
            for (int k = 0; k < 3; k++) {
                System.gc();
                Thread.sleep(30);
            }
            Runnable churn = () -> {
                for (int i = 0; i < 20_000; i++) {
                    try (NDArray s = m.create(12345f)) {
                        s.getShape();
                    }
                }
            };
            Thread other = new Thread(churn);
            other.start();
            churn.run();
            other.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
