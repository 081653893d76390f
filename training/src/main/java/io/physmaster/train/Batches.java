package io.physmaster.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.physmaster.model.FlowMatching;
import ai.djl.ndarray.types.Shape;
import java.util.Random;

/** Assembles training batches from {@link ClipData} as NDArrays. */
final class Batches {

    /** A video batch: z1 = frames 1..T-1 [B, F, 3, H, W] and the first frames [B, 3, H, W], in [-1, 1]. */
    record VideoBatch(NDArray z1, NDArray first, int[] index) {
    }

    static VideoBatch videos(NDManager m, ClipData data, int[] idx) {
        int t = data.clip.frames();
        int s = data.clip.size();
        int plane = data.plane();
        float[] z1 = new float[idx.length * (t - 1) * plane];
        float[] first = new float[idx.length * plane];
        for (int b = 0; b < idx.length; b++) {
            float[] v = data.videoSigned(idx[b]);
            System.arraycopy(v, 0, first, b * plane, plane);
            System.arraycopy(v, plane, z1, b * (t - 1) * plane, (t - 1) * plane);
        }
        return new VideoBatch(m.create(z1, new Shape(idx.length, t - 1, 3, s, s)),
                m.create(first, new Shape(idx.length, 3, s, s)), idx);
    }

    /** Occupancy targets [B, F, G, G] of clips idx, cells of {@code cell} pixels (see ClipData.occupancy). */
    static NDArray occupancy(NDManager m, ClipData data, int[] idx, int cell) {
        int g = data.clip.size() / cell;
        int per = (data.clip.frames() - 1) * g * g;
        float[] all = new float[idx.length * per];
        for (int b = 0; b < idx.length; b++) {
            System.arraycopy(data.occupancy(idx[b], cell), 0, all, b * per, per);
        }
        return m.create(all, new Shape(idx.length, data.clip.frames() - 1, g, g));
    }

    static int[] sample(Random rnd, int n, int batch) {
        int[] idx = new int[batch];
        for (int i = 0; i < batch; i++) {
            idx[i] = rnd.nextInt(n);
        }
        return idx;
    }

    static int[] range(int from, int batch) {
        int[] idx = new int[batch];
        for (int i = 0; i < batch; i++) {
            idx[i] = from + i;
        }
        return idx;
    }

    /** Gaussian noise from a seeded Java RNG: the same batch gives the same loss. */
    static NDArray noise(NDManager m, Random rnd, Shape shape) {
        float[] z = new float[(int) shape.size()];
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) rnd.nextGaussian();
        }
        return m.create(z, shape);
    }

    /** n training times from {@link FlowMatching#sampleTime}. */
    static NDArray times(NDManager m, Random rnd, int n) {
        return times(m, rnd, n, 0f);
    }

    /** n training times from {@link FlowMatching#sampleTime(Random, float)}. */
    static NDArray times(NDManager m, Random rnd, int n, float uniformShare) {
        float[] t = new float[n];
        for (int i = 0; i < n; i++) {
            t[i] = FlowMatching.sampleTime(rnd, uniformShare);
        }
        return m.create(t);
    }

    private Batches() {
    }
}
