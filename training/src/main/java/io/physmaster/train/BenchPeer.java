package io.physmaster.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.physmaster.model.ModelConfig;
import io.physmaster.model.ModelRuntime;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.sample.EulerSampler;
import java.io.BufferedReader;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Java side of the PyTorch peer benchmark (bench/pytorch): what the Python re-implementation is checked
 * against, and a timing server the driver interleaves with the PyTorch one.
 * <ul>
 *   <li>{@link #export}: first frames, noise, one velocity and the Euler samples, as raw little-endian float32
 *   files plus meta.json, for the numerical agreement check.</li>
 *   <li>{@link #serve}: reads commands on stdin, answers each with one line starting "@@ " (other lines on
 *   stdout are not ours): {@code info}, {@code peak} (1024^3 fp32 matmul FLOP/s),
 *   {@code sample B R} (R timed batches of B videos: seconds per batch and page faults per batch).</li>
 * </ul>
 */
final class BenchPeer {

    /** The flow time of the exported single velocity: mid-trajectory, away from both ends. */
    static final float VELOCITY_T = 0.375f;

    static void export(PhysMasterModel net, NDManager m, float[][] frames, long[] seeds, int steps, Path dir)
            throws IOException {
        ModelConfig cfg = net.config();
        int n = seeds.length;
        int s = cfg.size();
        int f = cfg.frames() - 1;
        int plane = 3 * s * s;
        float[] firstAll = new float[n * plane];
        for (int i = 0; i < n; i++) {
            System.arraycopy(frames[i], 0, firstAll, i * plane, plane);
        }
        float[] noise = EulerSampler.noise(seeds, f * plane);
        Files.createDirectories(dir);
        try (NDManager sub = m.newSubManager()) {
            ParameterStore ps = new ParameterStore(sub, false);
            NDArray first = sub.create(firstAll, new Shape(n, 3, s, s)).mul(2f).sub(1f);
            NDArray cPhys = net.physical(ps, first, false);
            NDArray x = sub.create(noise, new Shape(n, f, 3, s, s));
            NDArray t = sub.full(new Shape(n), VELOCITY_T);
            write(dir.resolve("velocity.f32"), net.velocity(ps, x, t, first, cPhys, false).toFloatArray());
        }
        float[][] videos = new EulerSampler(net, m).sample(frames, seeds, steps, 1f, null);
        float[] all = new float[n * (f + 1) * plane];
        for (int i = 0; i < n; i++) {
            System.arraycopy(videos[i], 0, all, i * (f + 1) * plane, (f + 1) * plane);
        }
        write(dir.resolve("first.f32"), firstAll);
        write(dir.resolve("noise.f32"), noise);
        write(dir.resolve("samples.f32"), all);
        StringBuilder seedList = new StringBuilder();
        for (long seed : seeds) {
            seedList.append(seedList.length() == 0 ? "" : ", ").append(seed);
        }
        Files.writeString(dir.resolve("meta.json"), String.format(Locale.ROOT,
                "{\"batch\": %d, \"frames\": %d, \"size\": %d, \"steps\": %d, \"velocity_t\": %s, \"seeds\": [%s]}%n",
                n, f + 1, s, steps, VELOCITY_T, seedList));
    }

    private static void write(Path file, float[] values) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(values);
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            out.write(bb.array());
        }
    }

    static void serve(PhysMasterModel net, NDManager m, float[] frame, int steps) throws IOException {
        PrintStream out = System.out;
        EulerSampler sampler = new EulerSampler(net, m);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        out.println("@@ ready");
        out.flush();
        for (String line; (line = in.readLine()) != null; ) {
            String[] w = line.trim().split("\\s+");
            String reply;
            try {
                reply = switch (w[0]) {
                    case "info" -> String.format(Locale.ROOT, "{\"engine\": \"DJL %s\", \"dit_flops_per_forward\": %d,"
                            + " \"encoder_flops\": %d}", ModelRuntime.describe(), 2 * net.dit().macs(),
                            2 * (net.macs() - net.dit().macs()));
                    case "peak" -> String.format(Locale.ROOT, "{\"matmul_flops_per_s\": %.4e}", matmulPeak(m));
                    case "shapes" -> String.format(Locale.ROOT, "{\"model_matmul_flops_per_s\": %.4e}",
                            modelMatmuls(m, net.config(), Integer.parseInt(w[1])));
                    case "sample" -> timeSampling(sampler, frame, Integer.parseInt(w[1]), Integer.parseInt(w[2]),
                            steps);
                    case "quit" -> null;
                    default -> "{\"error\": \"unknown command " + w[0] + "\"}";
                };
            } catch (RuntimeException e) {
                reply = "{\"error\": \"" + String.valueOf(e.getMessage()).replace('"', '\'') + "\"}";
            }
            if (reply == null) {
                return;
            }
            out.println("@@ " + reply);
            out.flush();
        }
    }

    private static String timeSampling(EulerSampler sampler, float[] frame, int batch, int repeats, int steps) {
        long[] seeds = new long[batch];
        for (int i = 0; i < batch; i++) {
            seeds[i] = i;
        }
        List<String> secs = new ArrayList<>();
        List<String> faults = new ArrayList<>();
        for (int r = 0; r < repeats; r++) {
            long f0 = minorFaults();
            long t0 = System.nanoTime();
            sampler.sample(frame, seeds, steps, 1f, null);
            double s = (System.nanoTime() - t0) / 1e9;
            faults.add(Long.toString(minorFaults() - f0));
            secs.add(String.format(Locale.ROOT, "%.5f", s));
        }
        return "{\"seconds\": [" + String.join(", ", secs) + "], \"minor_faults\": [" + String.join(", ", faults)
                + "]}";
    }

    /** Best of several 1024x1024 fp32 matmuls on this engine and its threads (CPU ops return when done). */
    static double matmulPeak(NDManager m) {
        int n = 1024;
        try (NDManager sub = m.newSubManager()) {
            NDArray a = sub.randomNormal(new Shape(n, n));
            NDArray b = sub.randomNormal(new Shape(n, n));
            a.matMul(b).close();
            double best = 0;
            for (int r = 0; r < 10; r++) {
                long t0 = System.nanoTime();
                NDArray c = a.matMul(b);
                best = Math.max(best, 2.0 * n * n * n / ((System.nanoTime() - t0) / 1e9));
                c.close();
            }
            return best;
        }
    }

    /**
     * The matrix products of one DiT forward at batch {@code batch}, alone: {m, k, n, g} = g products of
     * [m, k] x [k, n] (g = 1: a linear layer over all tokens; g > 1: attention's batched products). What they
     * reach is the ceiling for a sampler of this model on this engine (bench/pytorch/bench.py lists the same).
     */
    static List<long[]> ditMatmuls(ModelConfig c, int batch) {
        long f = c.frames() - 1;
        long p = (long) (c.size() / c.patch()) * (c.size() / c.patch());
        long d = c.dim();
        long h = c.heads();
        long dh = d / h;
        long cond = p + c.physTokens();
        long rows = batch * f * p;
        long patchDim = 3L * c.patch() * c.patch();
        List<long[]> all = new ArrayList<>();
        all.add(new long[] {rows, patchDim, d, 1});                                  // patch embedding
        for (int i = 0; i < c.depth(); i++) {
            all.add(new long[] {rows, d, d, 1});                                     // spatial q
            all.add(new long[] {rows, d, 2 * d, 1});                                 // spatial k, v
            all.add(new long[] {p, dh, p + cond, batch * f * h});                    // scores
            all.add(new long[] {p, p + cond, dh, batch * f * h});                    // weights x values
            all.add(new long[] {rows, d, d, 1});                                     // spatial out
            all.add(new long[] {rows, d, d, 1});                                     // temporal q
            all.add(new long[] {rows, d, 2 * d, 1});                                 // temporal k, v
            all.add(new long[] {f, dh, f + 1, batch * p * h});                       // scores
            all.add(new long[] {f, f + 1, dh, batch * p * h});                       // weights x values
            all.add(new long[] {rows, d, d, 1});                                     // temporal out
            all.add(new long[] {rows, d, 4 * d, 1});                                 // MLP in
            all.add(new long[] {rows, 4 * d, d, 1});                                 // MLP out
        }
        all.add(new long[] {rows, d, patchDim, 1});                                  // output layer
        return all;
    }

    /** FLOP/s of {@link #ditMatmuls} run back to back (best of 5 after a warm-up), random operands. */
    static double modelMatmuls(NDManager m, ModelConfig c, int batch) {
        List<long[]> shapes = ditMatmuls(c, batch);
        try (NDManager sub = m.newSubManager()) {
            List<NDArray[]> operands = new ArrayList<>();
            double flops = 0;
            for (long[] s : shapes) {
                Shape a = s[3] == 1 ? new Shape(s[0], s[1]) : new Shape(s[3], s[0], s[1]);
                Shape b = s[3] == 1 ? new Shape(s[1], s[2]) : new Shape(s[3], s[1], s[2]);
                operands.add(new NDArray[] {sub.randomNormal(a), sub.randomNormal(b)});
                flops += 2.0 * s[0] * s[1] * s[2] * s[3];
            }
            double best = Double.MAX_VALUE;
            for (int r = 0; r < 6; r++) {
                long t0 = System.nanoTime();
                for (NDArray[] o : operands) {
                    o[0].matMul(o[1]).close();
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                if (r > 0) {
                    best = Math.min(best, secs);
                }
            }
            return flops / best;
        }
    }

    /** This process's minor page faults so far (field 10 of /proc/self/stat), or -1 where there is none. */
    static long minorFaults() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[7]); // fields from the 3rd on: state=0 ... minflt=7
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private BenchPeer() {
    }
}
