package io.physmaster.worker;

import ai.djl.ndarray.NDManager;
import io.physmaster.blob.LocalBlobStore;
import io.physmaster.client.ClientSettings;
import io.physmaster.client.PhysMasterClient;
import io.physmaster.client.Submission;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.sample.EulerSampler;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Renderer;
import io.physmaster.sim.Split;
import io.physmaster.stack.LocalStack;
import io.physmaster.stack.LocalStackConfig;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Worker benchmark (prints figures; not a test): the same requests sampled in-process and through Kafka with
 * one and with two workers, on the real embedded stack. Writes docs/results/bench-worker.json.
 * <pre>
 *   mvn -B -q -pl gpu-workers exec:java -Dexec.classpathScope=test \
 *       -Dexec.mainClass=io.physmaster.worker.WorkerBenchmark [-Dexec.args="models/stage1.pmck 16"]
 * </pre>
 */
public final class WorkerBenchmark {

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args.length > 0 ? args[0] : "models/stage1.pmck");
        int requests = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int samples = 2;
        int steps = 8;
        Path root = Path.of(System.getProperty("physmaster.root", "."));
        Path blobsDir = Files.createTempDirectory("bench-blobs");
        io.physmaster.model.Runtime.device();

        List<byte[]> pngs = new ArrayList<>();
        List<float[]> frames = new ArrayList<>();
        for (int i = 0; i < requests * 2; i++) {
            RenderedClip c = ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, i), ClipSpec.MODEL);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(Renderer.toImage(c.video(), 0, 32, 32), "png", out);
            pngs.add(out.toByteArray());
            frames.add(c.frame(0));
        }

        // In-process: the same sampling and storage a worker does, no Kafka.
        double inProcess;
        try (NDManager m = NDManager.newBaseManager()) {
            PhysMasterModel net = Models.load(model, m);
            EulerSampler sampler = new EulerSampler(net, m);
            LocalBlobStore blobs = new LocalBlobStore(blobsDir);
            sampler.sample(frames.get(0), new long[] {0}, steps, 1f, null); // warm-up
            long t0 = System.nanoTime();
            int batchVideos = 8;
            List<float[]> firsts = new ArrayList<>();
            List<Long> seeds = new ArrayList<>();
            for (int r = 0; r < requests; r++) {
                for (int s = 0; s < samples; s++) {
                    firsts.add(frames.get(r));
                    seeds.add((long) s);
                }
            }
            for (int from = 0; from < firsts.size(); from += batchVideos) {
                int n = Math.min(batchVideos, firsts.size() - from);
                float[][] f = firsts.subList(from, from + n).toArray(new float[0][]);
                long[] sd = seeds.subList(from, from + n).stream().mapToLong(Long::longValue).toArray();
                float[][] videos = sampler.sample(f, sd, steps, 1f, null);
                for (int i = 0; i < n; i++) {
                    VideoOutputs.store(blobs, "inproc-" + (from + i), 0, null, videos[i], 16, 32, 10);
                }
            }
            inProcess = (System.nanoTime() - t0) / 1e9;
        }

        double oneWorker;
        double twoWorkers;
        double meanLatency1;
        try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral())) {
            WorkerSettings base = new WorkerSettings(stack.bootstrapServers(), stack.schemaRegistryUrl(),
                    blobsDir.toString(), model, "stage1", "bench-workers", "bench-1", 8, -1, 0, Duration.ofMillis(100));
            ClientSettings cs = new ClientSettings(stack.bootstrapServers(), stack.schemaRegistryUrl(),
                    blobsDir.toString(), Duration.ofSeconds(30));
            try (PhysMasterClient client = PhysMasterClient.connect(cs)) {
                double[] r1 = run(client, List.of(base), pngs.subList(0, requests), samples, steps);
                oneWorker = r1[0];
                meanLatency1 = r1[1];
                double[] r2 = run(client, List.of(base.withWorkerId("bench-2a"), base.withWorkerId("bench-2b")),
                        pngs.subList(requests, 2 * requests), samples, steps);
                twoWorkers = r2[0];
            }
        }
        int videos = requests * samples;
        String json = String.format(Locale.ROOT, "{%n  \"model\": \"%s\",%n  \"requests\": %d,%n  \"samples_per_request\": %d,%n"
                        + "  \"steps\": %d,%n  \"in_process_seconds\": %.3f,%n  \"kafka_one_worker_seconds\": %.3f,%n"
                        + "  \"kafka_two_workers_seconds\": %.3f,%n  \"overhead_ratio\": %.4f,%n"
                        + "  \"throughput_videos_per_s_one_worker\": %.3f,%n  \"throughput_videos_per_s_two_workers\": %.3f,%n"
                        + "  \"mean_request_latency_ms_one_worker\": %.1f,%n  \"cores\": %d,%n"
                        + "  \"note\": \"both workers of the two-worker run share this machine's cores\",%n"
                        + "  \"command\": \"mvn -B -q -pl gpu-workers exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.physmaster.worker.WorkerBenchmark\"%n}%n",
                model, requests, samples, steps, inProcess, oneWorker, twoWorkers, oneWorker / inProcess,
                videos / oneWorker, videos / twoWorkers, meanLatency1, java.lang.Runtime.getRuntime().availableProcessors());
        Path out = root.resolve("docs/results/bench-worker.json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, json);
        System.out.print(json);
        System.exit(0);
    }

    /** Submits all requests at once to running workers; returns {wall seconds, mean latency ms}. */
    static double[] run(PhysMasterClient client, List<WorkerSettings> workers, List<byte[]> pngs, int samples,
                        int steps) throws Exception {
        List<GenerationWorker> ws = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (WorkerSettings s : workers) {
            GenerationWorker w = new GenerationWorker(s);
            ws.add(w);
            Thread t = new Thread(w, s.workerId());
            t.start();
            threads.add(t);
        }
        Thread.sleep(4000); // group formed, model warm
        long t0 = System.nanoTime();
        List<String> ids = new ArrayList<>();
        for (byte[] png : pngs) {
            ids.add(client.submit(Submission.of(png).withSamples(samples).withSteps(steps)));
        }
        double latency = 0;
        for (String id : ids) {
            List<GeneratedVideo> vs = client.awaitVideos(id, samples, Duration.ofMinutes(10));
            latency += vs.stream().mapToLong(GeneratedVideo::getLatencyMs).max().orElse(0);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        for (int i = 0; i < ws.size(); i++) {
            ws.get(i).stop();
            threads.get(i).join(30_000);
            ws.get(i).close();
        }
        return new double[] {secs, latency / ids.size()};
    }

    private WorkerBenchmark() {
    }
}
