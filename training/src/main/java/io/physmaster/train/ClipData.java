package io.physmaster.train;

import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Split;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

/**
 * Simulator clips rendered once up front (training is then model-bound): videos as bytes [N][T*3*H*W] and
 * the first frame's dense labels for backbone pretraining.
 */
public final class ClipData {

    public final Split split;
    public final int count;
    public final ClipSpec clip;
    final byte[][] videos;
    final byte[][] material;
    final float[][] height;
    final byte[][] surface;
    final byte[][] masks;

    private ClipData(Split split, int count, ClipSpec clip) {
        this.split = split;
        this.count = count;
        this.clip = clip;
        this.videos = new byte[count][];
        this.material = new byte[count][];
        this.height = new float[count][];
        this.surface = new byte[count][];
        this.masks = new byte[count][];
    }

    /** Renders scenes 0..count-1 of the split on all cores. */
    public static ClipData render(Split split, int count, ClipSpec clip) {
        ClipData d = new ClipData(split, count, clip);
        int threads = Math.max(1, java.lang.Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            var futures = IntStream.range(0, count).mapToObj(i -> pool.submit(() -> {
                RenderedClip c = ProxyTask.render(ProxyTask.scene(split, i), clip);
                byte[] v = new byte[c.video().length];
                for (int k = 0; k < v.length; k++) {
                    v[k] = (byte) Math.round(c.video()[k] * 255f);
                }
                d.videos[i] = v;
                d.material[i] = c.materialMap();
                d.height[i] = c.heightMap();
                d.surface[i] = c.surfaceMap();
                d.masks[i] = c.masks();
            })).toList();
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("rendering " + split + " failed: " + e.getMessage(), e);
        } finally {
            pool.shutdown();
        }
        return d;
    }

    public int plane() {
        return 3 * clip.size() * clip.size();
    }

    /** Video i as floats in [-1, 1], [T, 3, H, W]. */
    public float[] videoSigned(int i) {
        byte[] v = videos[i];
        float[] out = new float[v.length];
        for (int k = 0; k < v.length; k++) {
            out[k] = (v[k] & 0xff) / 127.5f - 1f;
        }
        return out;
    }

    /**
     * Object occupancy of clip i, the physical head's Stage I target: for each generated frame (1..T-1) and
     * each cell x cell pixel block, the fraction of its pixels covered by any object. [T-1, H/cell, W/cell].
     */
    public float[] occupancy(int i, int cell) {
        int s = clip.size();
        int g = s / cell;
        int frames = clip.frames() - 1;
        float[] out = new float[frames * g * g];
        float per = 1f / (cell * cell);
        byte[] m = masks[i];
        for (int f = 0; f < frames; f++) {
            int off = (f + 1) * s * s;
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) {
                    if (m[off + y * s + x] != 0) {
                        out[(f * g + y / cell) * g + x / cell] += per;
                    }
                }
            }
        }
        return out;
    }
}
