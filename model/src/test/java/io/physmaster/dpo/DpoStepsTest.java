package io.physmaster.dpo;

import io.physmaster.model.ModelRuntime;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.physmaster.model.Checkpoint;
import io.physmaster.model.LoraAdapters;
import io.physmaster.model.ModelConfig;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stage II/III mechanics on a tiny model: which parameters move, and LoRA adapters saved apart and merged. */
class DpoStepsTest {

    static final ModelConfig TINY = DpoFixtures.TINY;

    @TempDir
    Path dir;

    @BeforeEach
    void device() {
        ModelRuntime.setUp();
    }

    static Path saved(Path dir, NDManager m) throws Exception {
        return DpoFixtures.saved(dir, m);
    }

    static List<DpoSteps.Pair> pairs(int n) {
        return DpoFixtures.pairs(n);
    }

    static Map<String, float[]> snapshot(PhysMasterModel net) {
        Map<String, float[]> out = new HashMap<>();
        net.getParameters().forEach(p -> out.put(p.getKey(), p.getValue().getArray().toFloatArray()));
        return out;
    }

    @Test
    void headDpoMovesOnlyThePhysicalHead() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Path base = saved(dir, m);
            PhysMasterModel policy = Models.load(base, m);
            PhysMasterModel reference = Models.load(base, m);
            Map<String, float[]> before = snapshot(policy);
            DpoSteps.Result r = HeadDpo.train(policy, reference, pairs(3), new DpoSteps.Config(3, 2, 50f, 1e-2f, 1), m);
            assertEquals(3, r.steps() + r.skipped());
            int moved = 0;
            for (var p : policy.getParameters()) {
                boolean same = java.util.Arrays.equals(before.get(p.getKey()), p.getValue().getArray().toFloatArray());
                if (p.getKey().contains("head")) {
                    moved += same ? 0 : 1;
                } else {
                    assertTrue(same, p.getKey() + " is frozen in Stage III");
                }
            }
            assertTrue(moved > 0, "the physical head was updated");
            assertEquals(before.keySet(), snapshot(reference).keySet());
            snapshot(reference).forEach((k, v) -> assertArrayEquals(before.get(k), v, 0f, "reference " + k));
        }
    }

    @Test
    void loraDpoLeavesBaseWeightsAndAdaptersSaveApartAndMerge() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Path base = saved(dir, m);
            PhysMasterModel policy = Models.load(base, m);
            PhysMasterModel reference = Models.load(base, m);
            Map<String, float[]> before = snapshot(policy);
            LoraAdapters lora = LoraAdapters.attach(policy, 2, 2f, m);
            DpoSteps.train(policy, reference, lora.parameters(), pairs(3), new DpoSteps.Config(3, 2, 50f, 1e-2f, 1), m,
                    f -> { });
            before.forEach((k, v) -> assertArrayEquals(v, policy.getParameters().get(k).getArray().toFloatArray(), 0f,
                    k + " is frozen in Stage II"));
            boolean bMoved = lora.parameters().stream().filter(p -> p.getName().equals("lora_b"))
                    .anyMatch(p -> p.getArray().abs().sum().getFloat() > 0);
            assertTrue(bMoved, "the adapters were trained");

            Random r = new Random(9);
            float[] x = new float[2 * 3 * 3 * 16 * 16];
            float[] f = new float[2 * 3 * 16 * 16];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            for (int i = 0; i < f.length; i++) {
                f[i] = r.nextFloat() * 2 - 1;
            }
            NDArray xt = m.create(x, new Shape(2, 3, 3, 16, 16));
            NDArray first = m.create(f, new Shape(2, 3, 16, 16));
            NDArray t = m.create(new float[] {0.2f, 0.7f});
            float[] adapted = velocity(policy, xt, t, first, m);
            assertFalse(java.util.Arrays.equals(adapted, velocity(reference, xt, t, first, m)), "the adapters act");

            // Saved apart: a fresh copy of the base with the loaded adapters gives the same output.
            Path adapters = dir.resolve("lora.pmck");
            Checkpoint.save(adapters, "lora", TINY, lora, 3, Map.of(), Map.of());
            PhysMasterModel other = Models.load(base, m);
            LoraAdapters otherLora = LoraAdapters.attach(other, 2, 2f, m);
            Checkpoint.load(adapters, "lora", TINY, otherLora, m);
            assertArrayEquals(adapted, velocity(other, xt, t, first, m), 1e-6f);

            // Merged, then saved as a plain model that loads like any checkpoint: same output.
            lora.merge();
            Path merged = dir.resolve("merged.pmck");
            Checkpoint.save(merged, "model", TINY, Models.plainCopy(policy, m), 3, Map.of(), Map.of());
            assertArrayEquals(adapted, velocity(Models.load(merged, m), xt, t, first, m), 1e-5f);
        }
    }

    @Test
    void passesVisitEveryPairOnceInARandomOrder() {
        Random rnd = new Random(3);
        int[] first = new int[64];
        DpoSteps.shuffle(first, rnd);
        int[] second = new int[64];
        DpoSteps.shuffle(second, rnd);
        for (int[] order : List.of(first, second)) {
            int[] sorted = order.clone();
            java.util.Arrays.sort(sorted);
            for (int i = 0; i < sorted.length; i++) {
                assertEquals(i, sorted[i], "a pass holds each pair exactly once");
            }
        }
        assertFalse(java.util.Arrays.equals(first, second), "each pass draws a new order");
    }

    static float[] velocity(PhysMasterModel net, NDArray xt, NDArray t, NDArray first, NDManager m) {
        ParameterStore ps = new ParameterStore(m, false);
        return net.velocity(ps, xt, t, first, net.physical(ps, first, false), false).toFloatArray();
    }

    @Test
    void aStepsGradientInPassesOfTwoPairsIsTheWholeMinibatchsGradient() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Path base = saved(dir, m);
            PhysMasterModel policy = Models.load(base, m);
            PhysMasterModel reference = Models.load(base, m);
            // Every parameter of the policy (a fresh model's head gets almost no gradient yet: its output starts at zero).
            java.util.List<ai.djl.nn.Parameter> trainable = new java.util.ArrayList<>();
            policy.getParameters().forEach(p -> trainable.add(p.getValue()));
            reference.freezeParameters(true);
            java.util.Random rnd = new java.util.Random(3);
            DpoSteps.Minibatch mb = DpoSteps.Minibatch.draw(pairs(5), new DpoSteps.PairOrder(5, rnd), 5, policy, rnd);

            DpoSteps.Figures whole = DpoSteps.accumulateGradients(policy, reference, mb, 50f, m, 5);
            Map<String, float[]> wholeGrad = gradients(trainable);
            DpoSteps.zeroGradients(trainable);
            DpoSteps.Figures passes = DpoSteps.accumulateGradients(policy, reference, mb, 50f, m, 2); // 2 + 2 + 1
            Map<String, float[]> passGrad = gradients(trainable);

            assertEquals(whole.loss(), passes.loss(), 1e-6);
            assertEquals(whole.rewardMargin(), passes.rewardMargin(), 1e-5);
            assertEquals(whole.rewardAccuracy(), passes.rewardAccuracy(), 1e-6);
            assertFalse(wholeGrad.isEmpty());
            double largest = 0;
            for (float[] g : wholeGrad.values()) {
                for (float x : g) {
                    largest = Math.max(largest, Math.abs(x));
                }
            }
            assertTrue(largest > 1e-6, "the policy got a gradient: " + largest);
            double worst = 0;
            for (var e : wholeGrad.entrySet()) {
                float[] a = e.getValue();
                float[] b = passGrad.get(e.getKey());
                for (int i = 0; i < a.length; i++) {
                    worst = Math.max(worst, Math.abs(a[i] - b[i]));
                }
            }
            // Float sums in another order: differences at rounding level of the largest gradient entry.
            assertTrue(worst <= 1e-4 * largest, "largest gradient entry " + largest + ", largest difference " + worst);
        }
    }

    private static Map<String, float[]> gradients(java.util.List<ai.djl.nn.Parameter> params) {
        Map<String, float[]> out = new java.util.HashMap<>();
        for (ai.djl.nn.Parameter p : params) {
            if (p.getArray().hasGradient()) {
                out.put(p.getName() + "@" + System.identityHashCode(p), p.getArray().getGradient().toFloatArray());
            }
        }
        return out;
    }
}
