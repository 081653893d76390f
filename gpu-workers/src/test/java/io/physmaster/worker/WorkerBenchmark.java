package io.physmaster.worker;

import io.physmaster.console.Progress;
import io.physmaster.model.ModelRuntime;
import ai.djl.ndarray.NDManager;
import io.physmaster.blob.LocalBlobStore;
import io.physmaster.client.ClientSettings;
import io.physmaster.client.PhysMasterClient;
import io.physmaster.client.Submission;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.sample.EulerSampler;
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
import java.time.Instant;
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
        ModelRuntime.setUp();
        int perRun = requests * samples;
        // Over the three runs' videos: in-process, then through Kafka with one and with two workers.
        Progress progress = Progress.start("worker benchmark", 3L * perRun);
        progress.update(0, "rendering " + 2 * requests + " first frames");

        List<byte[]> pngs = new ArrayList<>();
        List<float[]> frames = new ArrayList<>();
        for (int i = 0; i < requests * 2; i++) {
            RenderedClip c = ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, i), ClipSpec.MODEL);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(Renderer.toImage(c.video(), 0, 32, 32), "png", out);
            pngs.add(out.toByteArray());
            frames.add(c.frame(0));
        }

        // In-process: the same sampling and storage a worker does (equal batches of 8, storage on a second
        // thread), no Kafka.
        double inProcess;
        try (NDManager m = NDManager.newBaseManager(); OutputPipeline outputs = new OutputPipeline("inproc-outputs")) {
            PhysMasterModel net = Models.load(model, m);
            EulerSampler sampler = new EulerSampler(net, m);
            LocalBlobStore blobs = new LocalBlobStore(blobsDir);
            progress.update(0, "in-process: warming up");
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
                    String key = "inproc-" + (from + i);
                    float[] video = videos[i];
                    outputs.submit(() -> { // storing overlaps the next batch, as in the worker
                        try {
                            VideoOutputs.store(blobs, key, 0, null, video, 16, 32, 10);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                }
                progress.update(from + n, "in-process: sampled");
            }
            outputs.awaitAll();
            inProcess = (System.nanoTime() - t0) / 1e9;
        }

        double oneWorker;
        double twoWorkers;
        double meanLatency1;
        try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral())) {
            WorkerSettings base = new WorkerSettings(stack.connection(blobsDir), model, "stage1", "bench-workers", "bench-1", 8, "127.0.0.1", -1, 0, Duration.ofMillis(100));
            ClientSettings cs = new ClientSettings(stack.connection(blobsDir), Duration.ofSeconds(30));
            try (PhysMasterClient client = PhysMasterClient.connect(cs)) {
                double[] r1 = run(client, List.of(base), pngs.subList(0, requests), samples, steps, progress,
                        perRun, "Kafka, 1 worker");
                oneWorker = r1[0];
                meanLatency1 = r1[1];
                double[] r2 = run(client, List.of(base.withWorkerId("bench-2a"), base.withWorkerId("bench-2b")),
                        pngs.subList(requests, 2 * requests), samples, steps, progress, 2L * perRun,
                        "Kafka, 2 workers");
                twoWorkers = r2[0];
            }
        }
        progress.done(3 * perRun + " videos: in-process, Kafka with 1 and with 2 workers");
        int videos = requests * samples;
        String json = String.format(Locale.ROOT, "{%n  \"model\": \"%s\",%n  \"requests\": %d,%n  \"samples_per_request\": %d,%n"
                        + "  \"steps\": %d,%n  \"in_process_seconds\": %.3f,%n  \"kafka_one_worker_seconds\": %.3f,%n"
                        + "  \"kafka_two_workers_seconds\": %.3f,%n  \"overhead_ratio\": %.4f,%n"
                        + "  \"throughput_videos_per_s_one_worker\": %.3f,%n  \"throughput_videos_per_s_two_workers\": %.3f,%n"
                        + "  \"mean_request_latency_ms_one_worker\": %.1f,%n  \"cores\": %d,%n"
                        + "  \"note\": \"in-process and Kafka paths sample and store with the same code (storage on a second thread); Kafka timed until a consumer sees the last video; both workers of the two-worker run share this machine's cores\",%n"
                        + "  \"command\": \"mvn -B -q -pl gpu-workers exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.physmaster.worker.WorkerBenchmark\"%n}%n",
                model, requests, samples, steps, inProcess, oneWorker, twoWorkers, oneWorker / inProcess,
                videos / oneWorker, videos / twoWorkers, meanLatency1, java.lang.Runtime.getRuntime().availableProcessors());
        Path out = root.resolve("docs/results/bench-worker.json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, json);
        System.out.print(json);
        System.exit(0);
    }

    /**
     * Submits all requests at once to running workers; returns {wall seconds, mean latency ms}. {@code progress}
     * counts the videos seen on top of {@code before} (the earlier runs'), under {@code name}.
     */
    static double[] run(PhysMasterClient client, List<WorkerSettings> workers, List<byte[]> pngs, int samples,
                        int steps, Progress progress, long before, String name) throws Exception {
        progress.update(before, name + ": starting");
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
        // One follower for all videos (as a consuming application would run), started before the first submit:
        // the clock stops when the last video record is seen, not after a consumer per request is set up.
        int expected = pngs.size() * samples;
        java.util.concurrent.CountDownLatch following = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicLong lastArrival = new java.util.concurrent.atomic.AtomicLong();
        java.util.Map<String, Long> latencyByRequest = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicInteger arrived = new java.util.concurrent.atomic.AtomicInteger();
        Instant from = Instant.now();
        Thread follower = new Thread(() -> client.followVideos(from, v -> {
            latencyByRequest.merge(v.getRequestId(), v.getLatencyMs(), Math::max);
            lastArrival.set(System.nanoTime());
            int n = arrived.incrementAndGet();
            progress.update(before + n, name + ": videos seen");
            return n < expected;
        }, Duration.ofMinutes(10)), "follower");
        follower.start();
        Thread.sleep(1000); // the follower is positioned
        progress.update(before, name + ": submitting");
        long t0 = System.nanoTime();
        for (byte[] png : pngs) {
            client.submit(Submission.of(png).withSamples(samples).withSteps(steps));
        }
        follower.join();
        if (arrived.get() < expected) {
            throw new IllegalStateException(arrived.get() + " of " + expected + " videos arrived within 10 minutes");
        }
        double secs = (lastArrival.get() - t0) / 1e9;
        double latency = latencyByRequest.values().stream().mapToLong(Long::longValue).average().orElse(0);
        for (int i = 0; i < ws.size(); i++) {
            ws.get(i).stop();
            threads.get(i).join(30_000);
            ws.get(i).close();
        }
        return new double[] {secs, latency};
    }

    private WorkerBenchmark() {
    }
}
