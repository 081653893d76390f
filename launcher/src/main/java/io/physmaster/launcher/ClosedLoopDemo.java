package io.physmaster.launcher;

import io.physmaster.model.ComputeLock;
import io.physmaster.annotate.AnnotatorServer;
import io.physmaster.annotate.AnnotatorTokens;
import io.physmaster.annotate.DashboardSettings;
import io.physmaster.blob.BlobStore;
import io.physmaster.client.ClientSettings;
import io.physmaster.client.PhysMasterClient;
import io.physmaster.client.Submission;
import io.physmaster.console.Progress;
import io.physmaster.trainer.DpoTrainer;
import io.physmaster.trainer.DpoTrainerSettings;
import io.physmaster.judge.JudgeSource;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.serde.PhysSerdes;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.Renderer;
import io.physmaster.sim.Split;
import io.physmaster.role.ConnectionSettings;
import io.physmaster.stack.LocalStack;
import io.physmaster.stack.LocalStackConfig;
import io.physmaster.streams.PreferenceBatchTopology;
import io.physmaster.streams.PreferenceStreamsApp;
import io.physmaster.streams.StreamsSettings;
import io.physmaster.worker.GenerationWorker;
import io.physmaster.worker.WorkerSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
import java.util.function.Supplier;
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
    public record Options(Path out, Path model, int kafkaPort, int registryPort, int annotatorPort, int versions, int pairs,
                          Duration timeLimit, int scenesPerRound, int samples, int dpoSteps, float beta,
                          float learningRate, int loraRank, int consolidateSteps, int gateScenes,
                          double gateTolerance, Duration window, int evalScenes, int sampleSteps) {

        /** Whether the loop has done what was asked: {@code versions} published (0: any) or {@code pairs} judged. */
        boolean done(int published, long judged) {
            return (versions > 0 && published >= versions) || (pairs > 0 && judged >= pairs);
        }

        /** The trainer's settings: the defaults with the demo's knobs put in place. */
        DpoTrainerSettings trainer(ConnectionSettings connection) {
            DpoTrainerSettings d = DpoTrainerSettings.defaults(connection);
            return new DpoTrainerSettings(connection, model, d.baseVersion(), dpoSteps, beta, learningRate, loraRank,
                    d.lrHorizon(), d.replayCapacity(), consolidateSteps, gateScenes, gateTolerance, sampleSteps,
                    d.referenceVideos());
        }
    }

    private final List<AutoCloseable> running = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    /** The trainer's meters: the status line reads its batch count. */
    private final SimpleMeterRegistry trainerMeters = new SimpleMeterRegistry();
    private Thread downloader;

    /**
     * What the loop did. {@code servedVersion}: the encoder version of a video requested after the loop, the
     * worker's answer to "which encoder do you serve now" (null when no version was published).
     */
    public record Result(List<DemoReport.Row> points, boolean improved, Path report, Path plot, int videos,
                         int preferences, String servedVersion) {
    }

    /** A proxy-task scene's first frame as the PNG a client would upload. */
    private static byte[] firstFramePng(io.physmaster.sim.SceneSpec scene) throws java.io.IOException {
        var clip = ProxyTask.render(scene, ClipSpec.MODEL);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(Renderer.toImage(clip.video(), 0, 32, 32), "png", png);
        return png.toByteArray();
    }

    /** The roles of the loop, started on the embedded stack. */
    private record Roles(LocalStack stack, ClientSettings client, GenerationWorker worker, JudgeSource judge,
                         DpoTrainer trainer, Thread trainerThread, AnnotatorServer annotator) {
    }

    public Result run(Options o, PrintStream log) throws Exception {
        long t0 = System.nanoTime();
        // Every role in this one process: their model work goes one unit at a time, so its memory peaks do not add.
        ComputeLock.exclusive(true);
        Files.createDirectories(o.out());
        Path blobsDir = o.out().resolve("blobs");
        Roles roles = startRoles(o, blobsDir, log);
        PhysMasterClient client = PhysMasterClient.connect(roles.client());
        running.add(client);
        Path videos = o.out().resolve("videos");
        AtomicInteger saved = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        followVideos(client, videos, saved, finished, o, log);
        Instant deadline = Instant.now().plus(o.timeLimit());
        DemoStatus status = new DemoStatus(log, o.timeLimit(), o.pairs(), o.versions());
        Counter batches = trainerMeters.counter("physmaster_trainer_batches"); // the trainer's own counter
        AtomicInteger submitted = new AtomicInteger();
        Supplier<DemoStatus.Counts> counts = () -> new DemoStatus.Counts(submitted.get(), saved.get(),
                roles.judge().published.get(), (long) batches.count(), roles.trainer().published());
        Supplier<List<EncoderVersion>> published = () -> client.encoderVersions(Duration.ofSeconds(10));
        feed(o, roles, client, submitted, finished, deadline, () -> status.update(counts.get(), published));
        status.note(String.format(Locale.ROOT, "[demo] requests stopped; letting the last window close and the "
                + "trainer finish (at most %s) ...", Progress.duration(o.window().toSeconds() + 95)));
        settle(o, roles.trainer(), deadline, () -> status.update(counts.get(), published));
        roles.trainer().stop(); // the versions are final from here on: the report and the worker check see the same
        roles.trainerThread().join(30_000);
        status.done(counts.get(), published, o.evalScenes());

        List<EncoderVersion> versionsList = client.encoderVersions(Duration.ofSeconds(20));
        String served = roles.trainer().published() > 0 && !versionsList.isEmpty()
                ? servedVersion(client, versionsList.get(versionsList.size() - 1).getVersion(), o, log) : null;
        DemoReport report;
        try (BlobStore blobs = roles.client().connection().openBlobStore()) {
            var evaluating = Progress.builder("[demo] evaluating").out(log)
                    .total(versionsList.stream().filter(v -> !v.getVersion().equals("stage1")).count() + 1)
                    .step(0.25).build();
            report = DemoReport.evaluate(o.model(), "stage1", versionsList, blobs, o.evalScenes(), o.sampleSteps(),
                    done -> evaluating.update(done, "models"));
            evaluating.done("");
        }
        Path plot = MetricsPlot.write(report.rows(), o.out().resolve("metrics.png"));
        report.writeJson(o.out().resolve("report.json"));
        String md = report.markdown(String.format(Locale.ROOT, "%d requests, %d videos (in `%s`), %d judge "
                        + "preferences, %d encoder versions, %.0f s.", submitted.get(), saved.get(), videos,
                roles.judge().published.get(), report.rows().size() - 1, (System.nanoTime() - t0) / 1e9), o.evalScenes())
                + "\nPlot: `" + plot + "`. Contact sheets: `" + blobsDir.resolve("videos") + "/<request>/<sample>-<hash>.png`.\n";
        Path file = Files.writeString(o.out().resolve("report.md"), md);
        log.print(md);
        return new Result(report.rows(), report.improved(), file, plot, saved.get(),
                (int) roles.judge().published.get(), served);
    }

    private Roles startRoles(Options o, Path blobsDir, PrintStream log) throws Exception {
        log.println("[demo] starting the local stack (Kafka + schema registry) ...");
        // 5 minutes: on a loaded machine (a training beside the demo) the broker has taken over 2.
        LocalStack stack = LocalStack.start(new LocalStackConfig(o.out().resolve("stack"), o.kafkaPort(),
                o.registryPort(), true, Duration.ofMinutes(5))); // generous: a busy machine starts the broker slowly
        running.add(stack);
        log.printf("[demo] Kafka %s, registry %s%n", stack.bootstrapServers(), stack.schemaRegistryUrl());
        ConnectionSettings connection = stack.connection(blobsDir);
        ClientSettings cs = ClientSettings.of(connection);
        WorkerSettings workerSettings = WorkerSettings.defaults(connection).withModel(o.model())
                .withWorkerId("demo-worker").withMetricsPort(-1);
        GenerationWorker worker = new GenerationWorker(workerSettings);
        start("worker", worker);
        PhysSerdes serdes = PhysSerdes.of(Map.of("schema.registry.url", stack.schemaRegistryUrl()));
        running.add(serdes);
        KafkaStreams streams = new KafkaStreams(PreferenceBatchTopology.build(new StreamsSettings(o.window(),
                Duration.ofSeconds(1), 64, 0.5f, Duration.ofSeconds(30)), PreferenceStreamsApp.serdes(serdes)),
                PreferenceStreamsApp.config(stack.bootstrapServers(), o.out().resolve("streams-state")));
        streams.start();
        running.add(() -> streams.close(Duration.ofSeconds(10))); // bounded: after Ctrl-C the broker may be gone already
        String judgeGroup = "demo-judge";
        JudgeSource judge = new JudgeSource(cs, judgeGroup, o.samples(), Duration.ofSeconds(5), 0.01);
        start("judge", judge);
        DpoTrainer trainer = new DpoTrainer(o.trainer(connection), trainerMeters);
        Thread trainerThread = start("trainer", trainer);
        // The dashboard watches the groups this demo's roles really use.
        DashboardSettings board = DashboardSettings.defaults().withGroup("worker", workerSettings.groupId())
                .withGroup("streams", PreferenceBatchTopology.APP_ID).withGroup("judge", judgeGroup);
        AnnotatorServer annotator = new AnnotatorServer(cs, AnnotatorTokens.generate("demo"),
                AnnotatorServer.DEFAULT_HOST, o.annotatorPort(), board);
        running.add(annotator);
        log.printf("[demo] annotator page: %s%n", annotator.signInUrl("demo"));
        log.printf("[demo] live dashboard (same token): %s%n", annotator.dashboardUrl("demo"));
        return new Roles(stack, cs, worker, judge, trainer, trainerThread, annotator);
    }

    /** Saves every finished video under {@code videos} in the background and counts finished requests. */
    private void followVideos(PhysMasterClient client, Path videos, AtomicInteger saved, AtomicInteger finished,
                              Options o, PrintStream log) {
        Map<String, Integer> perRequest = new java.util.concurrent.ConcurrentHashMap<>();
        downloader = new Thread(() -> {
            try {
                follow(client, videos, saved, finished, o, log, perRequest);
            } catch (RuntimeException e) {
                if (!Thread.currentThread().isInterrupted()) { // an interrupt is close() stopping it
                    log.println("[demo] the video downloader stopped: " + e);
                }
            }
        }, "downloader");
        downloader.setDaemon(true);
        downloader.start();
    }

    private static void follow(PhysMasterClient client, Path videos, AtomicInteger saved, AtomicInteger finished,
                               Options o, PrintStream log, Map<String, Integer> perRequest) {
        client.followVideos(Instant.now().minusSeconds(5), v -> {
            try {
                client.download(v, videos);
                saved.incrementAndGet();
            } catch (Exception e) {
                log.println("[demo] could not save " + v.getVideoUri() + ": " + e.getMessage());
            }
            if (perRequest.merge(v.getRequestId(), 1, Integer::sum) == o.samples()) {
                finished.incrementAndGet();
            }
            return !Thread.currentThread().isInterrupted();
        }, o.timeLimit().plusMinutes(5));
    }

    /**
     * Training-scene requests, pipelined: a few rounds' worth stay in flight so the worker never waits for the
     * judge or the trainer, until the trainer has published enough versions or time is up.
     */
    private static void feed(Options o, Roles roles, PhysMasterClient client, AtomicInteger submitted,
                             AtomicInteger finished, Instant deadline, Runnable status) throws Exception {
        int inFlight = 2 * o.scenesPerRound();
        while (!o.done(roles.trainer().published(), roles.judge().published.get()) && Instant.now().isBefore(deadline)) {
            while (submitted.get() - finished.get() < inFlight) {
                int n = submitted.get();
                var scene = ProxyTask.scene(Split.TRAIN, n);
                client.submit(Submission.of(firstFramePng(scene)).withSamples(o.samples()).withSteps(o.sampleSteps())
                        .withSceneId(scene.id()).withSeed(n * 10L));
                submitted.incrementAndGet();
            }
            status.run();
            Thread.sleep(200);
        }
    }

    /** Lets the last window close and the trainer finish what it has. */
    private static void settle(Options o, DpoTrainer trainer, Instant deadline, Runnable status)
            throws InterruptedException {
        Instant settle = Instant.now().plus(o.window().plusSeconds(5)).plusSeconds(90);
        Instant hardStop = deadline.plusSeconds(120);
        int before = trainer.published();
        while ((o.versions() > 0 ? trainer.published() < o.versions() : trainer.published() == before)
                && Instant.now().isBefore(settle) && Instant.now().isBefore(hardStop)) {
            status.run();
            Thread.sleep(1000);
        }
    }

    /**
     * The loop is closed when the worker serves what the trainer published: asks it with one more request (again
     * for a short while if it has not swapped yet) and returns the version of that video.
     */
    private static String servedVersion(PhysMasterClient client, String newest, Options o, PrintStream log)
            throws Exception {
        byte[] png = firstFramePng(ProxyTask.scene(Split.SEEN_TEST, 0));
        Instant until = Instant.now().plusSeconds(60);
        String served;
        do {
            String id = client.submit(Submission.of(png).withSamples(1).withSteps(o.sampleSteps()));
            served = client.awaitVideos(id, 1, Duration.ofMinutes(2)).get(0).getEncoderVersion();
        } while (!newest.equals(served) && Instant.now().isBefore(until));
        log.printf("[demo] the worker now serves encoder %s (newest published: %s)%n", served, newest);
        return served;
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
        if (downloader != null) { // its consumer would warn about the stopped broker for a while otherwise
            downloader.interrupt();
            try {
                downloader.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            downloader = null;
        }
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
