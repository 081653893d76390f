package io.physmaster.sim.metrics;

import java.util.Random;

/**
 * Degrades a rendered video the way a generator's output is degraded, to test that masks still come back:
 * each channel is mixed with its 3x3 box blur, then Gaussian noise is added and values are clipped to [0, 1].
 */
public final class Perturbation {

    /**
     * @param video    [T][3][H][W]
     * @param blurMix  share of the 3x3 box blur in the result (0 = sharp, 1 = fully blurred)
     * @param sigma    standard deviation of the additive noise
     * @param seed     noise seed (deterministic)
     */
    public static float[] blurAndNoise(float[] video, int frames, int h, int w, double blurMix, double sigma,
                                       long seed) {
        if (video.length != frames * 3 * h * w) {
            throw new IllegalArgumentException("video must be " + frames + "x3x" + h + "x" + w + ", got "
                    + video.length + " values");
        }
        Random rnd = new Random(seed);
        float[] out = new float[video.length];
        for (int tc = 0; tc < frames * 3; tc++) {
            int base = tc * h * w;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float sum = 0;
                    int n = 0;
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) {
                            int yy = y + dy;
                            int xx = x + dx;
                            if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
                                sum += video[base + yy * w + xx];
                                n++;
                            }
                        }
                    }
                    double v = (1 - blurMix) * video[base + y * w + x] + blurMix * sum / n
                            + rnd.nextGaussian() * sigma;
                    out[base + y * w + x] = (float) Math.max(0, Math.min(1, v));
                }
            }
        }
        return out;
    }

    private Perturbation() {
    }
}
