package io.physmaster.train;

import io.physmaster.console.Progress;
import io.physmaster.model.ModelRuntime;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.sample.EulerSampler;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.Split;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code physmaster bench-sampling}: the model's FLOPs per forward pass (counted from its shapes), the FLOP/s
 * achieved while sampling, and this machine's matmul FLOP/s measured in the same run; their ratio is our
 * efficiency figure. Also seconds per video at the default steps, for one video and for a batch.
 */
@Command(name = "bench-sampling", mixinStandardHelpOptions = true, description = "Benchmark sampling speed and efficiency.")
public final class BenchCli implements Callable<Integer> {

    @Option(names = "--model", defaultValue = "models/stage1.pmck", paramLabel = "FILE",
            description = "Checkpoint to benchmark (default: ${DEFAULT-VALUE})")
    Path model;
    @Option(names = "--steps", defaultValue = "8",
            description = "Euler sampler steps per video (default: ${DEFAULT-VALUE})")
    int steps;
    @Option(names = "--batch", defaultValue = "8",
            description = "Videos sampled at once for the batched figure (default: ${DEFAULT-VALUE})")
    int batch;
    @Option(names = "--repeats", defaultValue = "5",
            description = "Timed runs after a warm-up; the fastest counts (default: ${DEFAULT-VALUE})")
    int repeats;
    @Option(names = "--out", defaultValue = "docs/results/bench-sampling.json", paramLabel = "FILE",
            description = "JSON file for the figures (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws Exception {
        ModelRuntime.setUp();
        float[] frame = ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, 0), ClipSpec.MODEL).frame(0);
        try (NDManager m = NDManager.newBaseManager()) {
            PhysMasterModel net = Models.load(model, m);
            EulerSampler sampler = new EulerSampler(net, m);
            long flopsPerForward = 2 * net.macs();
            Progress progress = Progress.start("bench-sampling", 2L * repeats + 3); // runs, then the matmul figure
            sampler.sample(frame, new long[] {0}, steps, 1f, null); // warm-up
            progress.update(1, "sampling runs (single video)");
            double one = Double.MAX_VALUE;
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                sampler.sample(frame, new long[] {r}, steps, 1f, null);
                one = Math.min(one, (System.nanoTime() - t0) / 1e9);
                progress.update(2 + r, "sampling runs (single video)");
            }
            long[] seeds = new long[batch];
            for (int i = 0; i < batch; i++) {
                seeds[i] = i;
            }
            sampler.sample(frame, seeds, steps, 1f, null);
            double many = Double.MAX_VALUE;
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                sampler.sample(frame, seeds, steps, 1f, null);
                many = Math.min(many, (System.nanoTime() - t0) / 1e9);
                progress.update(3 + repeats + r, "sampling runs (batch of " + batch + ")");
            }
            double samplingFlops = (double) flopsPerForward * steps * batch / many;
            double matmul = matmulFlops(m);
            progress.done("");
            String json = String.format(Locale.ROOT, "{%n  \"model\": \"%s\",%n  \"config\": \"%s\",%n"
                            + "  \"device\": \"%s\",%n  \"steps\": %d,%n  \"flops_per_forward\": %d,%n"
                            + "  \"seconds_per_video_single\": %.4f,%n  \"seconds_per_video_batched\": %.4f,%n"
                            + "  \"batch\": %d,%n  \"sampling_flops_per_s\": %.4e,%n  \"matmul_flops_per_s\": %.4e,%n"
                            + "  \"efficiency\": %.4f,%n  \"command\": \"./physmaster bench-sampling --model %s\"%n}%n",
                    model, net.config(), ModelRuntime.describe(), steps, flopsPerForward, one,
                    many / batch, batch, samplingFlops, matmul, samplingFlops / matmul, model);
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, json);
            System.out.print(json);
        }
        return 0;
    }

    /** Best of several 512x512 float32 matmuls on the same engine and threads. */
    static double matmulFlops(NDManager m) {
        int n = 512;
        NDArray a = m.randomNormal(new Shape(n, n));
        NDArray b = m.randomNormal(new Shape(n, n));
        a.matMul(b).close();
        double best = 0;
        for (int r = 0; r < 10; r++) {
            long t0 = System.nanoTime();
            NDArray c = a.matMul(b);
            c.toFloatArray();
            double secs = (System.nanoTime() - t0) / 1e9;
            c.close();
            best = Math.max(best, 2.0 * n * n * n / secs);
        }
        return best;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchCli()).execute(args));
    }
}
