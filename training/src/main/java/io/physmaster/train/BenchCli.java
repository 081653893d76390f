package io.physmaster.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code physmaster bench-sampling}: the model's FLOPs per forward pass (counted from its shapes), the FLOP/s
 * achieved while sampling, and this machine's matmul FLOP/s measured in the same run; their ratio is our
 * efficiency figure. Also seconds per video at the default steps, for one video and for a batch.
 * {@code --export} and {@code --serve} are the Java side of the PyTorch peer benchmark (bench/pytorch/run.sh).
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
    @Option(names = "--export", paramLabel = "DIR",
            description = "Instead: write noise, one velocity and --batch samples to DIR (the PyTorch peer's check)")
    Path export;
    @Option(names = "--serve", description = "Instead: answer timing commands on stdin (bench/pytorch/run.sh)")
    boolean serve;

    @Override
    public Integer call() throws Exception {
        ModelRuntime.setUp();
        float[] frame = ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, 0), ClipSpec.MODEL).frame(0);
        try (NDManager m = NDManager.newBaseManager()) {
            PhysMasterModel net = Models.load(model, m);
            if (export != null) {
                float[][] frames = new float[batch][];
                long[] seeds = new long[batch];
                for (int i = 0; i < batch; i++) {
                    frames[i] = ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, i), ClipSpec.MODEL).frame(0);
                    seeds[i] = 100 + i;
                }
                BenchPeer.export(net, m, frames, seeds, steps, export);
                System.out.println("Wrote " + batch + " samples and their inputs to " + export);
                return 0;
            }
            if (serve) {
                BenchPeer.serve(net, m, frame, steps);
                return 0;
            }
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
            // The encoder runs once per video, the DiT once per step.
            long ditFlops = 2 * net.dit().macs();
            long encoderFlops = flopsPerForward - ditFlops;
            double samplingFlops = (double) (steps * ditFlops + encoderFlops) * batch / many;
            double matmul = matmulFlops(m);
            progress.done("");
            // Other sections of the file (the PyTorch peer's, written by bench/pytorch/run.sh) are kept.
            ObjectMapper json = new ObjectMapper();
            ObjectNode doc = Files.exists(out) && json.readTree(out.toFile()) instanceof ObjectNode o
                    ? o : json.createObjectNode();
            doc.put("model", model.toString());
            doc.put("config", net.config().toString());
            doc.put("device", ModelRuntime.describe());
            doc.put("steps", steps);
            doc.put("flops_per_forward", ditFlops);
            doc.put("encoder_flops_per_video", encoderFlops);
            doc.put("seconds_per_video_single", round(one, 4));
            doc.put("seconds_per_video_batched", round(many / batch, 4));
            doc.put("batch", batch);
            doc.put("sampling_flops_per_s", round(samplingFlops, -6));
            doc.put("matmul_flops_per_s", round(matmul, -6));
            doc.put("efficiency", round(samplingFlops / matmul, 4));
            doc.put("command", "./physmaster bench-sampling --model " + model);
            Files.createDirectories(out.toAbsolutePath().getParent());
            String text = json.writerWithDefaultPrettyPrinter().writeValueAsString(doc);
            Files.writeString(out, text + System.lineSeparator());
            System.out.println(text);
        }
        return 0;
    }

    private static double round(double v, int decimals) {
        return java.math.BigDecimal.valueOf(v).setScale(decimals, java.math.RoundingMode.HALF_EVEN).doubleValue();
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
