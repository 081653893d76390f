package io.physmaster.dpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.physmaster.model.ModelRuntime;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** L = L_DPO + w * L_anchor: the anchor's gradient reaches the trained parameters and pulls them to its data. */
class AnchorTest {

    @TempDir
    Path dir;

    @BeforeEach
    void device() {
        ModelRuntime.setUp();
    }

    /** The flow error of one fixed clip, noise and time: a stand-in for the Stage I loss on simulator clips. */
    static final class FixedClip implements Anchor {
        final float[] z;
        final float[] first;
        final float[] noise;

        FixedClip() {
            Random r = new Random(11);
            int plane = 3 * 16 * 16;
            z = new float[(DpoFixtures.TINY.frames() - 1) * plane];
            noise = new float[z.length];
            first = new float[plane];
            for (int k = 0; k < z.length; k++) {
                z[k] = r.nextFloat() * 2 - 1;
                noise[k] = (float) r.nextGaussian();
            }
            for (int k = 0; k < plane; k++) {
                first[k] = r.nextFloat() * 2 - 1;
            }
        }

        @Override
        public NDArray loss(ParameterStore ps, PhysMasterModel policy, NDManager m) {
            Shape video = new Shape(1, DpoFixtures.TINY.frames() - 1, 3, 16, 16);
            return FlowDpo.errors(ps, policy, m.create(z, video), m.create(first, new Shape(1, 3, 16, 16)),
                    m.create(noise, video), m.create(new float[] {0.6f}), true).mean();
        }
    }

    /** Anchor losses at each of {@code steps} DPO steps, then after them (the anchor's data is fixed). */
    List<Double> train(Anchor anchor, float weight, int steps) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Path base = DpoFixtures.saved(dir, m);
            PhysMasterModel policy = Models.load(base, m);
            PhysMasterModel reference = Models.load(base, m);
            List<Double> losses = new ArrayList<>();
            // beta tiny: the preference term is ~0, so what fits the clip is the anchor (when there is one).
            // Every parameter trains: the tiny fixture's output barely depends on its LoRA'd or head layers.
            List<Parameter> all = new ArrayList<>(policy.getParameters().values());
            DpoSteps.train(policy, reference, all, DpoFixtures.pairs(2),
                    new DpoSteps.Config(steps, 2, 1e-6f, 1e-2f, 1, anchor, weight), m,
                    f -> losses.add(f.anchorLoss()));
            try (NDManager s = m.newSubManager()) {
                losses.add((double) new FixedClip().loss(new ParameterStore(s, false), policy, s).getFloat());
            }
            return losses;
        }
    }

    @Test
    void theAnchorsGradientLowersItsLoss() throws Exception {
        List<Double> anchored = train(new FixedClip(), 1f, 12);
        double before = anchored.get(0);
        double after = anchored.get(anchored.size() - 1);
        assertTrue(after < 0.9 * before, "the anchored adapters fit the anchor's clip: " + before + " -> " + after);
    }

    @Test
    void withoutAnAnchorTheFiguresSayZero() throws Exception {
        List<Double> plain = train(null, 0f, 2);
        assertEquals(0.0, plain.get(0));
        assertEquals(0.0, plain.get(1));
    }

    @Test
    void anAnchorNeedsAPositiveWeight() {
        assertThrows(IllegalArgumentException.class, () -> new DpoSteps.Config(1, 1, 1f, 1f, 1, new FixedClip(), 0f));
    }
}
