package io.physmaster.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import io.physmaster.model.ModelConfig;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class EulerSamplerTest {

    private static final ModelConfig TINY = new ModelConfig(4, 16, 4, 16, 2, 1, 4, 8);

    /**
     * A role samples on its own thread, where libtorch records gradients unless told otherwise: the sampler must
     * record none (else each step's activations stay alive until the call ends) and leave the thread as it was.
     */
    @Test
    void samplesWithoutRecordingGradientsOnAThreadThatRecordsThem() throws Exception {
        List<Boolean> recordingDuringSteps = new ArrayList<>();
        AtomicReference<Boolean> recordingAfter = new AtomicReference<>();
        AtomicReference<float[][]> videos = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (NDManager m = NDManager.newBaseManager()) {
            PhysMasterModel net = Models.create(TINY, m);
            Thread role = new Thread(() -> {
                try {
                    JniUtils.setGradMode(true); // libtorch's default on a new thread: set, not assumed
                    float[] first = new float[3 * 16 * 16];
                    videos.set(new EulerSampler(net, m).sample(first, new long[] {1, 2}, 3, 1f,
                            step -> recordingDuringSteps.add(JniUtils.isGradMode())));
                    recordingAfter.set(JniUtils.isGradMode());
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "role");
            role.start();
            role.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(List.of(false, false, false), recordingDuringSteps);
        assertTrue(recordingAfter.get(), "the thread's own setting is restored");
        assertEquals(2, videos.get().length);
        assertEquals(4 * 3 * 16 * 16, videos.get()[0].length);
        assertArrayEquals(new float[3 * 16 * 16], java.util.Arrays.copyOf(videos.get()[0], 3 * 16 * 16),
                "frame 0 is the given first frame");
        assertFalse(java.util.Arrays.equals(videos.get()[0], videos.get()[1]), "two seeds, two videos");
    }

    @Test
    void warmingUpChangesNoSample() {
        try (NDManager m = NDManager.newBaseManager()) {
            PhysMasterModel net = Models.create(TINY, m);
            EulerSampler sampler = new EulerSampler(net, m);
            float[] first = new float[3 * 16 * 16];
            java.util.Arrays.fill(first, 0.2f);
            float[][] before = sampler.sample(first, new long[] {7, 8, 9}, 3, 1f, null);
            double[] seconds = sampler.warmUp(4, 2);
            assertTrue(seconds[0] > 0 && seconds[1] > 0, "both warm-up calls ran");
            float[][] after = sampler.sample(first, new long[] {7, 8, 9}, 3, 1f, null);
            for (int i = 0; i < before.length; i++) {
                assertArrayEquals(before[i], after[i], 0f, "sample " + i);
            }
        }
    }
}
