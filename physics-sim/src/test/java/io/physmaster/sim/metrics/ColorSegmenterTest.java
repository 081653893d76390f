package io.physmaster.sim.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Renderer;
import io.physmaster.sim.Split;
import org.junit.jupiter.api.Test;

/** The segmenter recovers true masks from perturbed renders (blur + noise), IoU >= 0.95. */
class ColorSegmenterTest {

    static double meanIou(ClipSpec clip, int scenes) {
        return meanIou(clip, scenes, 0.03, true);
    }

    static double meanIou(ClipSpec clip, int scenes, double sigma, boolean blur) {
        double total = 0;
        int n = 0;
        for (int i = 0; i < scenes; i++) {
            RenderedClip c = ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, i), clip);
            float[] noisy = blur ? Perturbation.blurAndNoise(c.video(), c.frames(), c.height(), c.width(), 0.5, sigma, i)
                    : c.video();
            ColorSegmenter seg = ColorSegmenter.fromFirstFrame(c.video(), c.masks(), c.height(), c.width(),
                    c.objectCount(), Renderer.nonObjectColors());
            byte[] masks = seg.segment(noisy, c.frames(), c.height(), c.width());
            total += PhysicsMetrics.score(c.masks(), masks, c.frames(), c.height(), c.width(),
                    PhysicsMetrics.ids(c.dropping(), false), 0).iou();
            n++;
        }
        return total / n;
    }

    @Test
    void recoversExactMasksOfModelSizeRenders() {
        // At 32 px most object pixels are anti-aliased edges: this is what unmixing is for.
        double iou = meanIou(ClipSpec.MODEL, 30, 0, false);
        System.out.printf("segmenter IoU on clean 32 px renders (30 seen scenes, all objects): %.4f%n", iou);
        assertTrue(iou >= 0.95, "IoU " + iou);
    }

    @Test
    void recoversMasksOfPerturbedRendersAtViewingSize() {
        double iou = meanIou(new ClipSpec(128, 16, 10), 10);
        System.out.printf("segmenter IoU on blurred+noisy 128 px renders: %.4f%n", iou);
        assertTrue(iou >= 0.95, "IoU " + iou);
    }

    @Test
    void degradesGracefullyOnPerturbedModelSizeRenders() {
        // Noise of 0.03 flips half-covered edge pixels at random, and at 32 px they are half of an object:
        // a floor set by the pixel count, not by the colours.
        double noisy = meanIou(ClipSpec.MODEL, 30);
        System.out.printf("segmenter IoU on blurred+noisy 32 px renders: %.4f%n", noisy);
        assertTrue(noisy >= 0.85, "noisy IoU " + noisy);
    }

    @Test
    void learnsTheExactColoursFromACleanFirstFrame() {
        RenderedClip c = ProxyTask.render(ProxyTask.scene(Split.TRAIN, 14), ClipSpec.MODEL);
        ColorSegmenter learned = ColorSegmenter.forClip(c);
        ColorSegmenter exact = new ColorSegmenter(c.colors(), Renderer.nonObjectColors(), 0.35);
        assertArrayEquals(exact.segment(c.video(), c.frames(), c.height(), c.width()),
                learned.segment(c.video(), c.frames(), c.height(), c.width()));
    }

    @Test
    void refusesAVideoOfTheWrongSize() {
        RenderedClip c = ProxyTask.render(ProxyTask.scene(Split.TRAIN, 1), ClipSpec.MODEL);
        assertThrows(IllegalArgumentException.class,
                () -> ColorSegmenter.forClip(c).segment(new float[10], c.frames(), c.height(), c.width()));
    }
}
