package io.physmaster.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import io.physmaster.model.ModelConfig;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.sample.EulerSampler;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Split;
import io.physmaster.sim.judge.PhysicsJudge;
import io.physmaster.sim.metrics.MetricScores;
import java.util.List;
import org.junit.jupiter.api.Test;

class GateTest {

    /** A small model of the proxy task's clip size (16 frames of 32 x 32), so the gate's scenes fit it. */
    private static final ModelConfig SMALL = new ModelConfig(16, 32, 4, 16, 2, 1, 4, 8);

    @Test
    void samplingInChunksGivesEachSceneTheMetricsOfOneBatch() {
        int count = Gate.CHUNK + 3; // one full chunk and a partial one
        int steps = 2;
        try (NDManager m = NDManager.newBaseManager()) {
            PhysMasterModel net = Models.create(SMALL, m);
            List<MetricScores> chunked = Gate.evaluation(Gate.FIRST_SCENE, count, steps).metrics(net, m);

            // The same scenes and seeds in a single batch: what the gate computed before it sampled in chunks.
            float[][] firsts = new float[count][];
            long[] seeds = new long[count];
            RenderedClip[] clips = new RenderedClip[count];
            for (int i = 0; i < count; i++) {
                clips[i] = ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, Gate.FIRST_SCENE + i), ClipSpec.MODEL);
                firsts[i] = clips[i].frame(0);
                seeds[i] = 7_000 + i;
            }
            float[][] videos = new EulerSampler(net, m).sample(firsts, seeds, steps, 1f, null);
            PhysicsJudge judge = new PhysicsJudge();

            assertEquals(count, chunked.size());
            for (int i = 0; i < count; i++) {
                MetricScores one = judge.metrics(clips[i], videos[i]);
                assertEquals(one.l2(), chunked.get(i).l2(), 1e-5, "L2 of scene " + i);
                assertEquals(one.cd(), chunked.get(i).cd(), 1e-4, "CD of scene " + i);
                assertEquals(one.iou(), chunked.get(i).iou(), 1e-4, "IoU of scene " + i);
            }
        }
    }
}
