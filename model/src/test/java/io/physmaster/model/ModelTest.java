package io.physmaster.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import io.physmaster.sample.EulerSampler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small-config checks of the model's shapes, gradients, checkpoints and determinism. */
class ModelTest {

    static final ModelConfig TINY = new ModelConfig(4, 16, 4, 16, 2, 1, 4, 8);

    NDManager manager;

    @TempDir
    Path dir;

    @BeforeEach
    void setUp() {
        ModelRuntime.setUp();
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    static PhysMasterModel build(ModelConfig cfg, NDManager m) {
        PhysMasterModel net = new PhysMasterModel(cfg);
        net.setInitializer(new ConstantInitializer(0f), Parameter.Type.BIAS);
        net.initialize(m, DataType.FLOAT32, new Shape(1));
        return net;
    }

    static NDArray random(NDManager m, long seed, long... shape) {
        Random r = new Random(seed);
        Shape s = new Shape(shape);
        float[] v = new float[(int) s.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return m.create(v, s);
    }

    @Test
    void v2HeadMixesPositionsPredictsOccupancyAndModulatesTheDit() {
        ModelConfig v2 = TINY.withPhysPath(true, 1);
        PhysMasterModel net = build(v2, manager);
        ParameterStore ps = new ParameterStore(manager, false);
        NDArray first = random(manager, 1, 2, 3, 16, 16);
        NDArray cPhys = net.physical(ps, first, false);
        assertEquals(new Shape(2, 4, 16), cPhys.getShape());                       // [B, K, D]
        NDArray occ = net.encoder().head().occupancy(ps, cPhys, false);
        assertEquals(new Shape(2, 3, 4, 4), occ.getShape());                        // [B, F, G, G]
        NDArray xt = random(manager, 2, 2, 3, 3, 16, 16);
        NDArray t = manager.create(new float[] {0.1f, 0.7f});
        NDList out = net.forward(ps, new NDList(xt, t, first), false);
        assertEquals(2, out.size(), "v2 training forward returns v and the occupancy prediction");
        // adaLN-zero and the zero output layer make a fresh DiT ignore its conditioning: perturb every weight, then
        // the modulation path must carry gradient (it is what gives c_phys a lever beyond its attention tokens).
        for (var p : net.getParameters()) {
            NDArray a = p.getValue().getArray();
            a.addi(random(manager, a.getShape().size(), a.getShape().getShape()).mul(0.1f));
        }
        java.util.List<NDArray> grads;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            ParameterStore train = new ParameterStore(manager, false);
            NDArray v = net.velocity(train, xt, t, first, net.physical(train, first, true), true);
            gc.backward(v.square().mean());
        }
        float modGrad = 0;
        for (var p : net.getParameters()) {
            if (p.getKey().contains("phys_mod") && p.getKey().endsWith("weight")) {
                modGrad += p.getValue().getArray().getGradient().abs().sum().getFloat();
            }
        }
        assertTrue(modGrad > 0f, "c_phys modulation receives gradient");
        NDArray v1 = net.velocity(ps, xt, t, first, cPhys, false);
        NDArray v0 = net.velocity(ps, xt, t, first, cPhys.zerosLike(), false);
        assertTrue(v1.sub(v0).abs().max().getFloat() > 1e-4f, "c_phys changes the velocity");
        // A v1 checkpoint's config (eight fields) still reads as the v1 architecture.
        assertEquals(new ModelConfig(4, 16, 4, 16, 2, 1, 4, 8, false, 0), TINY);
    }

    @Test
    void v3ObjectPlanIsDecodedFromCPhysAndReachesEveryGeneratedToken() {
        ModelConfig v3 = TINY.withPhysPath(true, 1).withPhysPlan(true);
        PhysMasterModel net = build(v3, manager);
        ParameterStore ps = new ParameterStore(manager, false);
        NDArray first = random(manager, 1, 2, 3, 16, 16);
        NDArray cPhys = net.physical(ps, first, false);
        assertFalse(net.encoder().head().predictsOccupancy(), "v3 supervises the DiT's plan, not a head decoder");
        NDArray plan = net.dit().plan(ps, cPhys, false);
        assertEquals(new Shape(2, 3, 4, 4), plan.getShape());                       // [B, F, G, G]
        NDArray xt = random(manager, 2, 2, 3, 3, 16, 16);
        NDArray t = manager.create(new float[] {0.1f, 0.7f});
        NDList out = net.forward(ps, new NDList(xt, t, first), false);
        assertEquals(2, out.size(), "v3 training forward returns v and the plan");
        assertEquals(0f, out.get(1).sub(plan).abs().max().getFloat(), 1e-6f, "the supervised output is the plan");
        // With the zero-initialised output layer a fresh DiT ignores its tokens: perturb every weight, then the plan
        // must change the velocity of every generated frame (it enters each frame's tokens, not only attention).
        for (var p : net.getParameters()) {
            NDArray a = p.getValue().getArray();
            a.addi(random(manager, a.getShape().size(), a.getShape().getShape()).mul(0.1f));
        }
        NDArray v1 = net.velocity(ps, xt, t, first, cPhys, false);
        NDArray v0 = net.velocity(ps, xt, t, first, cPhys.zerosLike(), false);
        NDArray perFrame = v1.sub(v0).abs().reshape(2, 3, -1).max(new int[] {2});      // [B, F]
        assertTrue(perFrame.min().getFloat() > 1e-4f, "c_phys changes every generated frame through the plan");
        assertTrue(v3.withPhysPlan(false).equals(TINY.withPhysPath(true, 1)), "the plan is the only v3 switch");
        assertThrows(IllegalArgumentException.class, () -> TINY.withoutPhysEncoder().withPhysPlan(true));
    }

    @Test
    void shapesFlowThroughEveryPart() {
        PhysMasterModel net = build(TINY, manager);
        ParameterStore ps = new ParameterStore(manager, false);
        NDArray first = random(manager, 1, 2, 3, 16, 16);
        NDArray cPhys = net.physical(ps, first, false);
        assertEquals(new Shape(2, 4, 16), cPhys.getShape());                       // [B, K, D]
        NDArray xt = random(manager, 2, 2, 3, 3, 16, 16);                           // [B, T-1, 3, H, W]
        NDArray v = net.velocity(ps, xt, manager.create(new float[] {0.1f, 0.7f}), first, cPhys, false);
        assertEquals(xt.getShape(), v.getShape());
        NDArray patches = net.dit().patchify(xt);
        assertEquals(new Shape(2, 3, 16, 48), patches.getShape());
        assertArrayEquals(xt.toFloatArray(), net.dit().unpatchify(patches, 2, 3).toFloatArray(), 0f);
    }

    @Test
    void gradientsReachTheHeadButNotTheFrozenBackbone() {
        PhysMasterModel net = build(TINY, manager);
        net.encoder().backbone().freezeParameters(true);
        // adaLN-zero makes a fresh DiT ignore its conditioning; open the first block's gates so c_phys matters.
        for (var p : net.getParameters()) {
            if (p.getKey().contains("ada") || p.getKey().contains("final")) {
                p.getValue().getArray().addi(0.05f);
            }
        }
        ParameterStore ps = new ParameterStore(manager, false);
        NDArray first = random(manager, 1, 2, 3, 16, 16);
        NDArray xt = random(manager, 2, 2, 3, 3, 16, 16);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray v = net.forward(ps, new NDList(xt, manager.create(new float[] {0.3f, 0.6f}), first), true)
                    .singletonOrThrow();
            gc.backward(v.square().mean());
        }
        double head = 0;
        for (var p : net.encoder().head().getParameters()) {
            head += p.getValue().getArray().getGradient().abs().sum().getFloat();
        }
        assertTrue(head > 0, "the physical head gets gradients");
        for (var p : net.encoder().backbone().getParameters()) {
            assertTrue(!p.getValue().requiresGradient(), "backbone parameter " + p.getKey() + " is frozen");
        }
    }

    @Test
    void saveThenLoadGivesIdenticalOutputs() throws Exception {
        PhysMasterModel a = build(TINY, manager);
        Path file = dir.resolve("m.pmck");
        Checkpoint.Header h = Checkpoint.save(file, "model", TINY, a, 7, Map.of("seed", 1), Map.of("loss", 0.5));
        assertEquals(64, h.sha256().length());
        PhysMasterModel b = build(TINY, manager);
        assertEquals(7, Checkpoint.load(file, "model", TINY, b, manager).step());
        float[] frame = random(manager, 3, 3 * 16 * 16).add(1).div(2).clip(0, 1).toFloatArray();
        float[][] va = new EulerSampler(a, manager).sample(frame, new long[] {5}, 3, 1f, null);
        float[][] vb = new EulerSampler(b, manager).sample(frame, new long[] {5}, 3, 1f, null);
        assertArrayEquals(va[0], vb[0], 0f);
    }

    @Test
    void corruptOrMismatchedCheckpointsAreRefused() throws Exception {
        PhysMasterModel a = build(TINY, manager);
        Path file = dir.resolve("m.pmck");
        Checkpoint.save(file, "model", TINY, a, 1, Map.of(), Map.of());
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 10] ^= 0x55;
        Path bad = dir.resolve("bad.pmck");
        Files.write(bad, bytes);
        var corrupt = assertThrows(java.io.IOException.class,
                () -> Checkpoint.load(bad, "model", TINY, build(TINY, manager), manager));
        assertTrue(corrupt.getMessage().contains("SHA-256"), corrupt.getMessage());
        ModelConfig other = new ModelConfig(4, 16, 4, 32, 2, 1, 4, 8);
        var mismatch = assertThrows(java.io.IOException.class,
                () -> Checkpoint.load(file, "model", other, build(other, manager), manager));
        assertTrue(mismatch.getMessage().contains("architecture"), mismatch.getMessage());
        assertThrows(java.io.IOException.class, () -> Checkpoint.load(file, "head", TINY, a, manager));
        Files.write(bad, "not a checkpoint".getBytes());
        assertThrows(java.io.IOException.class, () -> Checkpoint.load(bad, "model", TINY, a, manager));
    }

    @Test
    void sameSeedSameVideoAndTheFirstFrameIsKept() {
        PhysMasterModel net = build(TINY, manager);
        for (var p : net.getParameters()) {
            if (p.getKey().contains("final")) {
                p.getValue().getArray().addi(0.1f); // non-zero output layer: samples differ by noise
            }
        }
        float[] frame = random(manager, 4, 3 * 16 * 16).add(1).div(2).clip(0, 1).toFloatArray();
        EulerSampler sampler = new EulerSampler(net, manager);
        float[][] a = sampler.sample(frame, new long[] {1, 2}, 4, 2f, null);
        float[][] b = sampler.sample(frame, new long[] {1, 2}, 4, 2f, null);
        assertArrayEquals(a[0], b[0], 0f);
        assertArrayEquals(a[1], b[1], 0f);
        assertTrue(!java.util.Arrays.equals(a[0], a[1]), "different seeds give different videos");
        assertArrayEquals(frame, java.util.Arrays.copyOf(a[0], frame.length), 0f);
        assertEquals(4 * 3 * 16 * 16, a[0].length);
    }

    @Test
    void anUntrainedModelGeneratesTheStaticVideo() {
        // x-prediction relative to the first frame with a zero-initialised output layer: x1_hat = first, so the
        // flow carries any noise to the first frame repeated (the "static" baseline) before any training.
        PhysMasterModel net = build(TINY, manager);
        float[] frame = random(manager, 4, 3 * 16 * 16).add(1).div(2).clip(0, 1).toFloatArray();
        float[][] v = new EulerSampler(net, manager).sample(frame, new long[] {3}, 4, 1f, null);
        for (int f = 1; f < TINY.frames(); f++) {
            float[] frameF = java.util.Arrays.copyOfRange(v[0], f * frame.length, (f + 1) * frame.length);
            assertArrayEquals(frame, frameF, 1e-5f, "frame " + f);
        }
    }

    @Test
    void relativePositionBiasDependsOnlyOnTheOffsetFrameAndHead() {
        // grid 2x2, 2 frames, 1 head: offsets (dy, dx) in -1..1, R = 9 rows per key kind.
        RelativePositionBias rel = new RelativePositionBias(2, 1, 2);
        rel.initialize(manager, DataType.FLOAT32, new Shape(1));
        NDArray table = rel.getParameters().get("table").getArray();             // [2R, F, H]
        table.set(new ai.djl.ndarray.index.NDIndex("{}, 1, 0", 9 + 2 * 3 + 1), 1f);  // first-frame key, dy = +1
        NDArray bias = rel.bias(new ParameterStore(manager, false), manager, manager.getDevice(), false);
        assertEquals(new Shape(2, 1, 4, 8), bias.getShape());
        float[] b = bias.toFloatArray();
        for (int f = 0; f < 2; f++) {
            for (int q = 0; q < 4; q++) {
                for (int k = 0; k < 8; k++) {
                    // query row one below the first-frame key, same column, frame 1 only
                    boolean hit = f == 1 && k >= 4 && q / 2 - (k - 4) / 2 == 1 && q % 2 == (k - 4) % 2;
                    assertEquals(hit ? RelativePositionBias.SCALE : 0f, b[(f * 4 + q) * 8 + k], "f" + f + " q" + q + " k" + k);
                }
            }
        }
    }

    @Test
    void formatOneCheckpointsAreRefusedWithAReason() throws Exception {
        PhysMasterModel a = build(TINY, manager);
        Path file = dir.resolve("old.pmck");
        Checkpoint.save(file, "model", TINY, a, 1, Map.of(), Map.of());
        byte[] data = Files.readAllBytes(file);
        data[4] = '1'; // "PMCK2" -> "PMCK1"
        Files.write(file, data);
        var e = assertThrows(java.io.IOException.class, () -> Checkpoint.load(file, "model", TINY, a, manager));
        assertTrue(e.getMessage().contains("format 1"), e.getMessage());
    }

    @Test
    void tinyOverfitDrivesTheLossDown() {
        PhysMasterModel net = build(TINY, manager);
        ParameterStore ps = new ParameterStore(manager, false);
        // The training settings: Adam with element-wise gradient clipping.
        var optimizer = ai.djl.training.optimizer.Optimizer.adam()
                .optLearningRateTracker(ai.djl.training.tracker.Tracker.fixed(2e-3f)).optClipGrad(1f).build();
        NDArray first = random(manager, 1, 2, 3, 16, 16).tanh();
        NDArray z1 = random(manager, 2, 2, 3, 3, 16, 16).tanh();
        NDArray z0 = random(manager, 3, 2, 3, 3, 16, 16);
        NDArray t = manager.create(new float[] {0.25f, 0.75f});
        NDArray xt = FlowMatching.interpolate(z1, z0, t);
        NDArray target = FlowMatching.targetVelocity(z1, z0);
        float firstLoss = 0;
        float lastLoss = 0;
        for (int step = 0; step < 120; step++) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray v = net.forward(ps, new NDList(xt, t, first), true).singletonOrThrow();
                NDArray loss = FlowMatching.loss(v, target);
                gc.backward(loss);
                lastLoss = loss.getFloat();
                if (step == 0) {
                    firstLoss = lastLoss;
                }
            }
            for (var p : net.getParameters()) {
                NDArray w = p.getValue().getArray();
                if (w.hasGradient()) {
                    optimizer.update(p.getValue().getId(), w, w.getGradient());
                }
            }
        }
        assertTrue(lastLoss < 0.7 * firstLoss, "loss " + firstLoss + " -> " + lastLoss);
    }

    @Test
    void flowMatchingInterpolatesBetweenNoiseAndData() {
        NDArray z1 = manager.create(new float[] {2f, 4f}, new Shape(2, 1));
        NDArray z0 = manager.create(new float[] {0f, 0f}, new Shape(2, 1));
        NDArray xt = FlowMatching.interpolate(z1, z0, manager.create(new float[] {0.5f, 1f}));
        assertArrayEquals(new float[] {1f, 4f}, xt.toFloatArray(), 1e-6f);
        assertArrayEquals(new float[] {2f, 4f}, FlowMatching.targetVelocity(z1, z0).toFloatArray(), 1e-6f);
    }

    @Test
    void loraStartsAsANoOpAndMergesIntoTheWeight() {
        Linear lin = new Linear(4, 3);
        lin.setInitializer(new ConstantInitializer(0f), Parameter.Type.BIAS);
        lin.initialize(manager, DataType.FLOAT32, new Shape(1));
        ParameterStore ps = new ParameterStore(manager, false);
        NDArray x = random(manager, 9, 5, 4);
        float[] before = lin.apply(ps, x, false).toFloatArray();
        lin.addLora(2, 2f);
        lin.initializeLora(manager);
        assertArrayEquals(before, lin.apply(ps, x, false).toFloatArray(), 1e-6f);
        lin.loraB().getArray().addi(0.3f);
        float[] adapted = lin.apply(ps, x, false).toFloatArray();
        lin.mergeLora();
        assertArrayEquals(adapted, lin.apply(ps, x, false).toFloatArray(), 1e-5f);
    }
}
