package io.physmaster.launcher;

import ai.djl.ndarray.NDManager;
import io.physmaster.annotate.AnnotatorServer;
import io.physmaster.blob.BlobStore;
import io.physmaster.blob.BlobStores;
import io.physmaster.client.ClientSettings;
import io.physmaster.client.PhysMasterClient;
import io.physmaster.client.Submission;
import io.physmaster.dpo.DpoTrainer;
import io.physmaster.dpo.DpoTrainerSettings;
import io.physmaster.dpo.Gate;
import io.physmaster.judge.JudgeSource;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.serde.PhysSerdes;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.Renderer;
import io.physmaster.sim.Split;
import io.physmaster.sim.metrics.MetricScores;
import io.physmaster.stack.LocalStack;
import io.physmaster.stack.LocalStackConfig;
import io.physmaster.streams.PreferenceBatchTopology;
import io.physmaster.streams.PreferenceStreamsApp;
import io.physmaster.streams.StreamsSettings;
import io.physmaster.worker.GenerationWorker;
import io.physmaster.worker.WorkerSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The whole closed loop on the embedded stack, in one process: a worker samples videos of proxy-task scenes,
 * the physics judge (and anyone on the annotator page) says which are more physical, the Streams app batches
 * the preferences, the DPO trainer turns each batch into a gated encoder version, and the worker hot-swaps to
 * it. Ends with a report of held-out L2 / CD / IoU per encoder version and a plot.
 */
public final class ClosedLoopDemo implements AutoCloseable {

    /** What to run. */
    public record Options(Path out, Path model, int kafkaPort, int registryPort, int annotatorPort, int versions,
                          Duration timeLimit, int scenesPerRound, int samples, int dpoSteps, float beta,
                          float learningRate, int gateScenes, double gateTolerance, Duration window, int evalScenes,
                          int sampleSteps) {
    }

    private final List<AutoCloseable> running = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    /**
     * What the loop did. {@code servedVersion}: the encoder version of a video requested after the loop, the
     * worker's answer to "which encoder do you serve now" (null when no version was published).
     */
    public record Result(List<MetricsPlot.Point> points, boolean improved, Path report, Path plot, int videos,
                         int preferences, String servedVersion) {
    }

    /** A proxy-task scene's first frame as the PNG a client would upload. */
    private static byte[] firstFramePng(io.physmaster.sim.SceneSpec scene) throws java.io.IOException {
        var clip = ProxyTask.render(scene, ClipSpec.MODEL);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(Renderer.toImage(clip.video(), 0, 32, 32), "png", png);
        return png.toByteArray();
    }

    public Result run(Options o, PrintStream log) throws Exception {
        long t0 = System.nanoTime();
        Files.createDirectories(o.out());
        Path blobsDir = o.out().resolve("blobs");
        log.println("[demo] starting the local stack (Kafka + schema registry) ...");
        LocalStack stack = LocalStack.start(new LocalStackConfig(o.out().resolve("stack"), o.kafkaPort(),
                o.registryPort(), true, Duration.ofSeconds(120)));
        running.add(stack);
        log.printf("[demo] Kafka %s, registry %s%n", stack.bootstrapServers(), stack.schemaRegistryUrl());
        ClientSettings cs = new ClientSettings(stack.bootstrapServers(), stack.schemaRegistryUrl(), blobsDir.toString(),
                Duration.ofSeconds(30));

        GenerationWorker worker = new GenerationWorker(new WorkerSettings(stack.bootstrapServers(),
                stack.schemaRegistryUrl(), blobsDir.toString(), o.model(), "stage1", "demo-workers", "demo-worker", 8,
                -1, 0, Duration.ofMillis(200)));
        start("worker", worker);
        PhysSerdes serdes = PhysSerdes.of(Map.of("schema.registry.url", stack.schemaRegistryUrl()));
        running.add(serdes);
        KafkaStreams streams = new KafkaStreams(PreferenceBatchTopology.build(new StreamsSettings(o.window(),
                Duration.ofSeconds(1), 64, 0.5f, Duration.ofSeconds(30)), PreferenceStreamsApp.serdes(serdes)),
                PreferenceStreamsApp.config(stack.bootstrapServers(), o.out().resolve("streams-state")));
        streams.start();
        running.add(() -> streams.close(Duration.ofSeconds(10))); // bounded: after Ctrl-C the broker may be gone already
        JudgeSource judge = new JudgeSource(cs, "demo-judge", o.samples(), Duration.ofSeconds(5), 0.01);
        start("judge", judge);
        DpoTrainer trainer = new DpoTrainer(new DpoTrainerSettings(stack.bootstrapServers(), stack.schemaRegistryUrl(),
                blobsDir.toString(), o.model(), "stage1", o.dpoSteps(), o.beta(), o.learningRate(), o.gateScenes(),
                o.gateTolerance(), o.sampleSteps(), DpoTrainerSettings.DEFAULT_REFERENCE_VIDEOS));
        Thread trainerThread = start("trainer", trainer);
        AnnotatorServer annotator = new AnnotatorServer(cs, io.physmaster.annotate.AnnotatorTokens.generate("demo"), o.annotatorPort());
        running.add(annotator);
        log.printf("[demo] annotator page: %s%n", annotator.signInUrl("demo"));

        PhysMasterClient client = PhysMasterClient.connect(cs);
        running.add(client);
        Path videos = o.out().resolve("videos");
        AtomicInteger saved = new AtomicInteger();
        Thread downloader = new Thread(() -> client.followVideos(Instant.now().minusSeconds(5), v -> {
            try {
                client.download(v, videos);
                saved.incrementAndGet();
            } catch (Exception e) {
                log.println("[demo] could not save " + v.getVideoUri() + ": " + e.getMessage());
            }
            return !Thread.currentThread().isInterrupted();
        }, o.timeLimit().plusMinutes(5)), "downloader");
        downloader.setDaemon(true);
        downloader.start();

        Instant deadline = Instant.now().plus(o.timeLimit());
        int round = 0;
        int submitted = 0;
        while (trainer.published() < o.versions() && Instant.now().isBefore(deadline)) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < o.scenesPerRound(); i++) {
                long index = (long) round * o.scenesPerRound() + i;
                var scene = ProxyTask.scene(Split.TRAIN, index);
                ids.add(client.submit(Submission.of(firstFramePng(scene)).withSamples(o.samples())
                        .withSteps(o.sampleSteps()).withSceneId(scene.id()).withSeed(index * 10)));
                submitted++;
            }
            for (String id : ids) {
                client.awaitVideos(id, o.samples(), Duration.ofMinutes(5));
            }
            round++;
            log.printf(Locale.ROOT, "[demo] %4.0fs  round %d: %d requests, %d videos saved, %d judge preferences, "
                            + "%d encoder versions%n", (System.nanoTime() - t0) / 1e9, round, submitted, saved.get(),
                    judge.published.get(), trainer.published());
        }
        // Let the last window close and the trainer finish what it has.
        Instant settle = Instant.now().plus(o.window().plusSeconds(5));
        while (trainer.published() < o.versions() && Instant.now().isBefore(settle.plusSeconds(90))
                && Instant.now().isBefore(deadline.plusSeconds(120))) {
            Thread.sleep(1000);
        }
        trainer.stop(); // the versions are final from here on: the report and the worker check below see the same
        trainerThread.join(30_000);
        log.printf("[demo] loop done: %d encoder versions published; evaluating each on %d held-out scenes ...%n",
                trainer.published(), o.evalScenes());

        List<EncoderVersion> versionsList = client.encoderVersions(Duration.ofSeconds(20));
        // The loop is closed when the worker serves what the trainer published: ask it with one more request
        // (again for a short while if it has not swapped yet).
        String served = null;
        if (trainer.published() > 0 && !versionsList.isEmpty()) {
            String newest = versionsList.get(versionsList.size() - 1).getVersion();
            byte[] png = firstFramePng(ProxyTask.scene(Split.SEEN_TEST, 0));
            Instant until = Instant.now().plusSeconds(60);
            do {
                String id = client.submit(Submission.of(png).withSamples(1).withSteps(o.sampleSteps()));
                served = client.awaitVideos(id, 1, Duration.ofMinutes(2)).get(0).getEncoderVersion();
            } while (!newest.equals(served) && Instant.now().isBefore(until));
            log.printf("[demo] the worker now serves encoder %s (newest published: %s)%n", served, newest);
        }
        List<MetricsPlot.Point> points = new ArrayList<>();
        Gate eval = new Gate(o.evalScenes(), 0, o.sampleSteps());
        try (NDManager m = NDManager.newBaseManager(); BlobStore blobs = BlobStores.open(blobsDir.toString(), Map.of())) {
            MetricScores base = eval.score(DpoTrainer.withHead(o.model(), null, "stage1", blobs, m), m);
            points.add(new MetricsPlot.Point("stage1", base.l2(), base.cd(), base.iou()));
            for (EncoderVersion v : versionsList) {
                if (v.getVersion().equals("stage1")) {
                    continue;
                }
                MetricScores s = eval.score(DpoTrainer.withHead(o.model(), v, "stage1", blobs, m), m);
                points.add(new MetricsPlot.Point(v.getVersion(), s.l2(), s.cd(), s.iou()));
            }
        }
        MetricsPlot.Point first = points.get(0);
        MetricsPlot.Point last = points.get(points.size() - 1);
        double s0 = first.l2() + first.cd() + (1 - first.iou()) / 4;
        double s1 = last.l2() + last.cd() + (1 - last.iou()) / 4;
        boolean improved = points.size() > 1 && s1 < s0;
        Path plot = MetricsPlot.write(points, o.out().resolve("metrics.png"));
        StringBuilder md = new StringBuilder("# PhysMaster closed-loop demo\n\n");
        md.append(String.format(Locale.ROOT, "%d requests, %d videos (in `%s`), %d judge preferences, %d encoder "
                        + "versions, %.0f s.%n%n", submitted, saved.get(), videos, judge.published.get(),
                points.size() - 1, (System.nanoTime() - t0) / 1e9));
        md.append("Held-out seen-test scenes (").append(o.evalScenes()).append("), dropping objects, one sample each:\n\n");
        md.append("| # | encoder version | L2 | CD | IoU |\n|---|---|---|---|---|\n");
        for (int i = 0; i < points.size(); i++) {
            MetricsPlot.Point p = points.get(i);
            md.append(String.format(Locale.ROOT, "| %d | %s | %.4f | %.4f | %.3f |%n", i, p.version(), p.l2(), p.cd(),
                    p.iou()));
        }
        md.append("\n").append(points.size() < 2 ? "No encoder version was published: nothing to compare.\n"
                : improved ? String.format(Locale.ROOT, "The metrics improved: judge score %.4f -> %.4f.%n", s0, s1)
                : String.format(Locale.ROOT, "The metrics did NOT improve: judge score %.4f -> %.4f.%n", s0, s1));
        md.append("\nPlot: `").append(plot).append("`. Contact sheets: `").append(blobsDir.resolve("videos"))
                .append("/<request>/<sample>.png`.\n");
        Path report = o.out().resolve("report.md");
        Files.writeString(report, md.toString());
        log.print(md);
        return new Result(points, improved, report, plot, saved.get(), (int) judge.published.get(), served);
    }

    private Thread start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        threads.add(t);
        running.add((AutoCloseable) r);
        return t;
    }

    /** Stops every role, newest first, then the stack. */
    @Override
    public void close() {
        for (int i = running.size() - 1; i >= 0; i--) {
            try {
                running.get(i).close();
            } catch (Exception e) {
                // keep closing the others
            }
        }
        running.clear();
    }
}
