package io.physmaster.sample;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.physmaster.model.ModelConfig;
import io.physmaster.model.ModelRuntime;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The sampler with its per-video conditioning computed once (context keys and values, position bias, token
 * offsets) agrees with the plain per-step reference (ReferenceDit): velocity within 1e-5, samples within 1e-4.
 */
class SamplerReferenceTest {

    /** v1, v2 (c_phys modulation + mixing head) and v3 (object plan) on a tiny grid; two blocks. */
    static java.util.List<ModelConfig> configs() {
        ModelConfig v1 = new ModelConfig(4, 16, 4, 16, 2, 2, 4, 8);
        return java.util.List.of(v1, v1.withPhysPath(true, 1), v1.withPhysPath(true, 1).withPhysPlan(true));
    }

    NDManager manager;

    @BeforeEach
    void setUp() {
        ModelRuntime.setUp();
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    /** Every weight perturbed, so the zero-initialised gates, modulation and position tables all matter. */
    private PhysMasterModel perturbed(ModelConfig cfg) {
        PhysMasterModel net = Models.create(cfg, manager);
        Random r = new Random(3);
        for (var p : net.getParameters()) {
            NDArray w = p.getValue().getArray();
            float[] v = new float[(int) w.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextGaussian() * 0.1f;
            }
            w.addi(manager.create(v, w.getShape()));
        }
        return net;
    }

    private float[][] frames(int n, int size) {
        Random r = new Random(5);
        float[][] f = new float[n][3 * size * size];
        for (float[] frame : f) {
            for (int i = 0; i < frame.length; i++) {
                frame[i] = r.nextFloat();
            }
        }
        return f;
    }

    private static float maxDiff(float[] a, float[] b) {
        float d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    @ParameterizedTest
    @MethodSource("configs")
    void velocityMatchesTheReference(ModelConfig cfg) {
        PhysMasterModel net = perturbed(cfg);
        int s = cfg.size();
        int f = cfg.frames() - 1;
        ParameterStore ps = new ParameterStore(manager, false);
        float[][] fr = frames(2, s);
        float[] all = new float[2 * 3 * s * s];
        System.arraycopy(fr[0], 0, all, 0, fr[0].length);
        System.arraycopy(fr[1], 0, all, fr[0].length, fr[1].length);
        NDArray first = manager.create(all, new Shape(2, 3, s, s)).mul(2f).sub(1f);
        NDArray xt = manager.create(EulerSampler.noise(new long[] {1, 2}, f * 3 * s * s), new Shape(2, f, 3, s, s));
        NDArray t = manager.create(new float[] {0.25f, 0.6f});
        NDArray cPhys = net.physical(ps, first, false);
        float[] fast = net.velocity(ps, xt, t, net.condition(ps, first, cPhys, false), false).toFloatArray();
        float[] ref = new ReferenceDit(net).velocity(xt, t, first, cPhys).toFloatArray();
        float d = maxDiff(fast, ref);
        assertTrue(d <= 1e-5f, cfg + ": velocity differs from the reference by " + d);
    }

    @ParameterizedTest
    @MethodSource("configs")
    void samplesMatchTheReferenceEulerLoop(ModelConfig cfg) {
        PhysMasterModel net = perturbed(cfg);
        int s = cfg.size();
        int f = cfg.frames() - 1;
        int plane = 3 * s * s;
        long[] seeds = {7, 8};
        float[][] fr = frames(2, s);
        int steps = 4;
        float guidance = 2f;
        float[][] fast = new EulerSampler(net, manager).sample(fr, seeds, steps, guidance, null);

        ParameterStore ps = new ParameterStore(manager, false);
        ReferenceDit ref = new ReferenceDit(net);
        float[] all = new float[2 * plane];
        System.arraycopy(fr[0], 0, all, 0, plane);
        System.arraycopy(fr[1], 0, all, plane, plane);
        NDArray first = manager.create(all, new Shape(2, 3, s, s)).mul(2f).sub(1f);
        NDArray cPhys = net.physical(ps, first, false);
        NDArray x = manager.create(EulerSampler.noise(seeds, f * plane), new Shape(2, f, 3, s, s));
        for (int k = 0; k < steps; k++) {
            NDArray t = manager.full(new Shape(2), k * (1f / steps));
            NDArray v = ref.velocity(x, t, first, cPhys);
            NDArray vu = ref.velocity(x, t, first, cPhys.zerosLike());
            x = x.add(vu.add(v.sub(vu).mul(guidance)).mul(1f / steps));
        }
        float[] video = first.expandDims(1).concat(x, 1).clip(-1f, 1f).add(1f).div(2f).toFloatArray();
        for (int i = 0; i < 2; i++) {
            float[] expected = java.util.Arrays.copyOfRange(video, i * (f + 1) * plane, (i + 1) * (f + 1) * plane);
            System.arraycopy(fr[i], 0, expected, 0, plane);
            float d = maxDiff(fast[i], expected);
            assertTrue(d <= 1e-4f, cfg + ": sample " + i + " differs from the reference by " + d);
        }
    }
}
