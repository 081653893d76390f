package io.physmaster.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.physmaster.model.ModelConfig;
import io.physmaster.model.ModelRuntime;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.sample.EulerSampler;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sampler's zero-phys option on a tiny random model: c_phys = 0 in every pass, as guidance's unconditional. */
class ZeroPhysTest {

    static final ModelConfig TINY = new ModelConfig(4, 16, 4, 16, 2, 1, 4, 8);

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

    /** A tiny model with every weight perturbed: a fresh DiT's adaLN-zero gates would make it ignore c_phys. */
    static PhysMasterModel conditioned(ModelConfig cfg, NDManager m, long seed) {
        PhysMasterModel net = Models.create(cfg, m);
        Random r = new Random(seed);
        for (var p : net.getParameters()) {
            NDArray w = p.getValue().getArray();
            float[] v = new float[(int) w.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextGaussian() * 0.05f;
            }
            w.addi(m.create(v, w.getShape()));
        }
        return net;
    }

    private float[] frame() {
        Random r = new Random(9);
        float[] f = new float[3 * 16 * 16];
        for (int i = 0; i < f.length; i++) {
            f[i] = r.nextFloat();
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

    @Test
    void zeroingCPhysChangesTheVelocityAndTheSamples() {
        PhysMasterModel net = conditioned(TINY, manager, 7);
        ParameterStore ps = new ParameterStore(manager, false);
        NDArray first = manager.create(frame(), new Shape(1, 3, 16, 16)).mul(2f).sub(1f);
        NDArray cPhys = net.physical(ps, first, false);
        Random r = new Random(11);
        float[] noise = new float[3 * 3 * 16 * 16];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (float) r.nextGaussian();
        }
        NDArray xt = manager.create(noise, new Shape(1, 3, 3, 16, 16));
        NDArray t = manager.create(new float[] {0.3f});
        float dv = net.velocity(ps, xt, t, first, cPhys, false).sub(net.velocity(ps, xt, t, first, cPhys.zerosLike(),
                false)).abs().max().getFloat();
        assertTrue(dv > 1e-4f, "c_phys moves this model's velocity: " + dv);

        long[] seeds = {5, 6};
        float[] normal = new EulerSampler(net, manager).sample(frame(), seeds, 3, 1f, null)[0];
        float[] zero = new EulerSampler(net, manager, true).sample(frame(), seeds, 3, 1f, null)[0];
        assertTrue(maxDiff(normal, zero) > 1e-4f, "zero-phys samples differ from the conditioned ones");
        // Zero-phys is exactly the guidance's unconditional pass: guidance 0 gives it, and guidance has nothing
        // to scale in it.
        float[] unconditional = new EulerSampler(net, manager).sample(frame(), seeds, 3, 0f, null)[0];
        assertArrayEquals(unconditional, zero, 1e-6f);
        float[] zeroGuided = new EulerSampler(net, manager, true).sample(frame(), seeds, 3, 3f, null)[0];
        assertArrayEquals(zero, zeroGuided, 0f);
    }

    @Test
    void aModelWithoutPhysEncoderHasNothingToZero() {
        PhysMasterModel ditOnly = Models.create(TINY.withoutPhysEncoder(), manager);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new EulerSampler(ditOnly, manager, true));
        assertTrue(e.getMessage().contains("no PhysEncoder"), e.getMessage());
    }
}
