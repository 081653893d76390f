package io.physmaster.dpo;

import io.physmaster.model.ModelRuntime;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.physmaster.model.Checkpoint;
import io.physmaster.model.ModelConfig;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlowDpoTest {

    static final ModelConfig TINY = new ModelConfig(4, 16, 4, 16, 2, 1, 4, 8);

    @TempDir
    Path dir;

    @Test
    void matchesHandComputedValues() {
        ModelRuntime.setUp();
        try (NDManager m = NDManager.newBaseManager()) {
            // theta_w 1, ref_w 2, theta_l 3, ref_l 1, beta 2:
            // inside = -(2/2) * ((1 - 2) - (3 - 1)) = 3;  L = -log sigmoid(3) = log(1 + e^-3)
            FlowDpo.Terms t = FlowDpo.loss(m.create(new float[] {1f, 2f}), m.create(new float[] {2f, 2f}),
                    m.create(new float[] {3f, 2f}), m.create(new float[] {1f, 2f}), 2f);
            double pair1 = Math.log(1 + Math.exp(-3));
            double pair2 = Math.log(2); // identical errors: inside 0, L = log 2
            assertEquals((pair1 + pair2) / 2, t.loss().getFloat(), 1e-6);
            assertEquals(0.5f, t.rewardAccuracy(), 1e-6);
            assertEquals(1.5f, t.rewardMargin(), 1e-6);
            // Large margins stay finite (no overflow in exp).
            FlowDpo.Terms big = FlowDpo.loss(m.create(new float[] {0f}), m.create(new float[] {0f}),
                    m.create(new float[] {0f}), m.create(new float[] {500f}), 2f);
            assertEquals(500f, big.loss().getFloat(), 1e-3);
        }
    }

    static NDArray random(NDManager m, Random r, long... shape) {
        Shape s = new Shape(shape);
        float[] v = new float[(int) s.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.tanh(r.nextGaussian());
        }
        return m.create(v, s);
    }

    /** Two pairs for the tiny model: preferred, rejected [2, 3, 3, 16, 16], first frames [2, 3, 16, 16], noise. */
    static NDArray[] pairInputs(NDManager m, long seed) {
        Random r = new Random(seed);
        return new NDArray[] {random(m, r, 2, 3, 3, 16, 16), random(m, r, 2, 3, 3, 16, 16), random(m, r, 2, 3, 16, 16),
                random(m, r, 2, 3, 3, 16, 16)};
    }

    @Test
    void aStepLowersThePreferredErrorRelativeToTheReferenceMoreThanTheRejected() throws Exception {
        ModelRuntime.setUp();
        try (NDManager m = NDManager.newBaseManager()) {
            PhysMasterModel policy = Models.create(TINY, m);
            for (var p : policy.getParameters()) {
                if (p.getKey().contains("ada") || p.getKey().contains("final")) {
                    p.getValue().getArray().addi(0.05f); // open the adaLN-zero gates so conditioning matters
                }
            }
            Path file = dir.resolve("ref.pmck");
            Checkpoint.save(file, "model", TINY, policy, 0, Map.of(), Map.of());
            PhysMasterModel reference = Models.load(file, m);
            NDArray[] in = pairInputs(m, 3);
            NDArray zw = in[0], zl = in[1], first = in[2], z0 = in[3];
            NDArray t = m.create(new float[] {0.3f, 0.6f});
            ParameterStore ps = new ParameterStore(m, false);
            float before = FlowDpo.pairLoss(ps, policy, reference, zw, zl, first, z0, t, 50f, false).rewardMargin();
            assertEquals(0f, before, 1e-5f, "policy == reference: no preference yet");
            Optimizer opt = Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build();
            for (int step = 0; step < 5; step++) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(FlowDpo.pairLoss(ps, policy, reference, zw, zl, first, z0, t, 50f, true).loss());
                }
                for (var p : policy.getParameters()) {
                    NDArray w = p.getValue().getArray();
                    if (w.hasGradient()) {
                        opt.update(p.getValue().getId(), w, w.getGradient());
                    }
                }
            }
            FlowDpo.Terms after = FlowDpo.pairLoss(ps, policy, reference, zw, zl, first, z0, t, 50f, false);
            assertTrue(after.rewardMargin() > 0, "inside > 0: e(w) fell relative to the reference more than e(l)");
            assertEquals(1f, after.rewardAccuracy(), 0f);
        }
    }

    @Test
    void pairLossEqualsTheFourErrorsComputedOneByOne() throws Exception {
        ModelRuntime.setUp();
        // Seeded initial weights: batched and one-by-one forwards differ by float rounding, and with fresh random
        // weights every run that difference now and then came out above the tolerance (once in CI, 2026-12-02).
        ai.djl.engine.Engine.getInstance().setRandomSeed(17);
        try (NDManager m = NDManager.newBaseManager()) {
            PhysMasterModel policy = Models.create(TINY, m);
            PhysMasterModel reference = Models.create(TINY, m);
            for (PhysMasterModel net : new PhysMasterModel[] {policy, reference}) {
                Random r = new Random(net == policy ? 5 : 6);
                for (var p : net.getParameters()) {
                    NDArray w = p.getValue().getArray();
                    w.addi(random(m, r, w.getShape().getShape()).mul(0.05f)); // policy != reference
                }
            }
            NDArray[] in = pairInputs(m, 4);
            NDArray zw = in[0], zl = in[1], first = in[2], z0 = in[3];
            NDArray t = m.create(new float[] {0.2f, 0.7f});
            ParameterStore ps = new ParameterStore(m, false);
            FlowDpo.Terms batched = FlowDpo.pairLoss(ps, policy, reference, zw, zl, first, z0, t, 50f, false);

            NDArray[] e = new NDArray[4]; // theta_w, ref_w, theta_l, ref_l, each its own forward of B
            int k = 0;
            for (NDArray z : new NDArray[] {zw, zl}) {
                for (PhysMasterModel net : new PhysMasterModel[] {policy, reference}) {
                    NDArray xt = io.physmaster.model.FlowMatching.interpolate(z, z0, t);
                    NDArray v = net.velocity(ps, xt, t, first, net.physical(ps, first, false), false);
                    e[k++] = io.physmaster.model.FlowMatching.perSampleError(v,
                            io.physmaster.model.FlowMatching.targetVelocity(z, z0));
                }
            }
            FlowDpo.Terms oneByOne = FlowDpo.loss(e[0], e[1], e[2], e[3], 50f);
            assertTrue(Math.abs(oneByOne.rewardMargin()) > 1e-4, "the models differ, so the pairs have a margin");
            assertEquals(oneByOne.loss().getFloat(), batched.loss().getFloat(), 1e-5);
            assertEquals(oneByOne.rewardMargin(), batched.rewardMargin(), 1e-4);
        }
    }
}
