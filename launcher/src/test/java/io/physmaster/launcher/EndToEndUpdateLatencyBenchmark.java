package io.physmaster.launcher;

import io.physmaster.console.Progress;
import io.physmaster.model.ModelRuntime;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.physmaster.blob.BlobStore;
import io.physmaster.blob.BlobStores;
import io.physmaster.client.ClientSettings;
import io.physmaster.client.PhysMasterClient;
import io.physmaster.client.Submission;
import io.physmaster.trainer.DpoTrainer;
import io.physmaster.trainer.DpoTrainerSettings;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.PreferenceSource;
import io.physmaster.serde.PhysSerdes;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Renderer;
import io.physmaster.sim.SceneSpec;
import io.physmaster.sim.Split;
import io.physmaster.sim.io.ClipFile;
import io.physmaster.sim.judge.PhysicsJudge;
import io.physmaster.stack.LocalStack;
import io.physmaster.stack.LocalStackConfig;
import io.physmaster.streams.PreferenceBatchTopology;
import io.physmaster.streams.PreferenceStreamsApp;
import io.physmaster.streams.StreamsSettings;
import io.physmaster.worker.GenerationWorker;
import io.physmaster.worker.WorkerSettings;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.imageio.ImageIO;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The whole update path in one run (prints figures; not a test): every role with its defaults in one process on
 * the real local stack, the shipped Stage I model, CPU. A worker makes two samples for each of 80 training scenes;
 * the physics judge picks the better sample where it can; 64 of those preferences go to the preference-events
 * topic right after a window boundary, so the 64th makes the Streams app's batch due (size trigger). t0 = that
 * event acknowledged. Timed from t0: the batch readable by the trainer, the EncoderVersion published, and the
 * first video made with it as a consumer of the videos topic sees it. Twice: with the worker idle meanwhile (one
 * request once the version is out), and with the worker serving one request a second (a fresh annotator name, so
 * the same pairs count again; the second update starts from the first's version).
 *
 * <p>Before t0 the trainer has computed the reference's errors on the 64 pairs' videos (it does so while a window
 * is open: 30 s by default); the wait is reported. Merged into docs/results/bench-streams.json under
 * "end_to_end_update_latency".
 * <pre>
 *   OMP_WAIT_POLICY=PASSIVE mvn -B -q -pl launcher exec:java -Dexec.classpathScope=test \
 *       -Dexec.mainClass=io.physmaster.launcher.EndToEndUpdateLatencyBenchmark
 *   (PASSIVE as ./physmaster sets it: without it the worker's spinning threads slowed the update under traffic)
 * </pre>
 */
public final class EndToEndUpdateLatencyBenchmark {

    static final int PAIRS = 64;
    static final int SCENES = 80;

    /** One judged request: its id, the preferred and rejected sample, their raw URIs. */
    record Judged(String requestId, int preferred, int rejected, String preferredUri, String rejectedUri) {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(System.getProperty("physmaster.root", "."));
        Path model = root.resolve("models/stage1.pmck");
        Path blobsDir = Files.createTempDirectory("bench-e2e-blobs");
        ModelRuntime.setUp();
        Map<String, Object> out = new LinkedHashMap<>();
        try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral());
             PhysSerdes serdes = PhysSerdes.of(Map.of("schema.registry.url", stack.schemaRegistryUrl()));
             BlobStore blobs = BlobStores.open(blobsDir.toString(), Map.of())) {
            Map<String, String> env = new HashMap<>(System.getenv());
            env.put("PHYSMASTER_BOOTSTRAP_SERVERS", stack.bootstrapServers());
            env.put("PHYSMASTER_SCHEMA_REGISTRY_URL", stack.schemaRegistryUrl());
            env.put("PHYSMASTER_BLOB_STORE", blobsDir.toString());
            env.put("PHYSMASTER_MODEL", model.toString());
            StreamsSettings streamsSettings = StreamsSettings.DEFAULT;
            ClientSettings cs = new ClientSettings(stack.connection(blobsDir), Duration.ofSeconds(30));
            try (GenerationWorker worker = new GenerationWorker(WorkerSettings.fromEnv(env).withMetricsPort(-1)
                         .withWorkerId("bench-worker"));
                 DpoTrainer trainer = new DpoTrainer(DpoTrainerSettings.fromEnv(env));
                 KafkaStreams streams = new KafkaStreams(PreferenceBatchTopology.build(streamsSettings,
                         PreferenceStreamsApp.serdes(serdes)), PreferenceStreamsApp.config(stack.bootstrapServers(),
                         Files.createTempDirectory("bench-e2e-streams")));
                 PhysMasterClient client = PhysMasterClient.connect(cs)) {
                Thread wt = new Thread(worker, "worker");
                Thread tt = new Thread(trainer, "trainer");
                wt.start();
                tt.start();
                streams.start();
                byte[] probe = png(ProxyTask.scene(Split.SEEN_TEST, 0));

                // The worker's videos of 80 training scenes, judged (not timed).
                Progress prep = Progress.start("preparing pairs", SCENES);
                List<String> ids = new ArrayList<>();
                List<RenderedClip> truths = new ArrayList<>();
                for (int i = 0; i < SCENES; i++) {
                    SceneSpec scene = ProxyTask.scene(Split.TRAIN, 50_000 + i);
                    truths.add(ProxyTask.render(scene, ClipSpec.MODEL));
                    ids.add(client.submit(Submission.of(png(scene)).withSamples(2).withSceneId(scene.id())
                            .withSeed(10L * i)));
                }
                PhysicsJudge judge = new PhysicsJudge(0);
                List<Judged> judged = new ArrayList<>();
                for (int i = 0; i < SCENES && judged.size() < PAIRS; i++) {
                    List<GeneratedVideo> vs = new ArrayList<>(client.awaitVideos(ids.get(i), 2, Duration.ofMinutes(5)));
                    vs.sort(java.util.Comparator.comparingInt(GeneratedVideo::getSampleIndex));
                    List<float[]> pixels = new ArrayList<>();
                    for (GeneratedVideo v : vs) {
                        pixels.add(ClipFile.decode(BlobStores.read(URI.create(v.getRawUri()), blobs)).video());
                    }
                    Optional<PhysicsJudge.Verdict> verdict = judge.judge(truths.get(i), pixels);
                    verdict.ifPresent(x -> judged.add(new Judged(vs.get(0).getRequestId(), x.preferred(),
                            x.rejected(), vs.get(x.preferred()).getRawUri(), vs.get(x.rejected()).getRawUri())));
                    prep.update(i + 1, "scenes judged, " + judged.size() + " pairs");
                }
                if (judged.size() < PAIRS) {
                    throw new IllegalStateException("the judge decided only " + judged.size() + " of " + SCENES
                            + " scenes; " + PAIRS + " pairs are needed");
                }
                prep.done(PAIRS + " judged pairs from the worker's videos");
                while (!trainer.ready() || streams.state() != KafkaStreams.State.RUNNING) {
                    Thread.sleep(50);
                }
                List<Judged> pairs = judged.subList(0, PAIRS);
                Progress updates = Progress.start("updates", 2);
                out.put("dedicated", update(client, trainer, streamsSettings, pairs, probe, "bench-judge-1", false,
                        updates));
                out.put("with_traffic", update(client, trainer, streamsSettings, pairs, probe, "bench-judge-2", true,
                        updates));
                updates.done("dedicated, then with traffic");
                worker.stop();
                trainer.stop();
                wt.join(30_000);
                tt.join(30_000);
            }
        }
        out.put("pairs", PAIRS);
        out.put("target_seconds", 10);
        out.put("model", "models/stage1.pmck");
        out.put("cores", java.lang.Runtime.getRuntime().availableProcessors());
        out.put("streams_settings", StreamsSettings.DEFAULT.toProperties());
        out.put("note", "every role in one process with its defaults (worker, Streams app exactly-once with 1 s"
                + " commits, trainer, local broker + registry, all on the same cores); t0 = the 64th preference"
                + " of a window acknowledged (the batch is due: size trigger). seconds_to_batch_readable: the"
                + " PreferenceBatch visible to a read_committed consumer; then the EncoderVersion acknowledged; then"
                + " the first video made with it as a consumer of the videos topic sees it (includes sampling it,"
                + " 8 steps). Before t0 the trainer has the reference's errors on the pairs' videos"
                + " (seconds_before_t0_until_reference_errors_known)");
        out.put("command", "OMP_WAIT_POLICY=PASSIVE mvn -B -q -pl launcher exec:java -Dexec.classpathScope=test"
                + " -Dexec.mainClass=io.physmaster.launcher.EndToEndUpdateLatencyBenchmark");
        out.put("measured_at", Instant.now().toString());
        ObjectMapper json = new ObjectMapper();
        Path file = root.resolve("docs/results/bench-streams.json");
        ObjectNode doc = Files.exists(file) ? (ObjectNode) json.readTree(file.toFile()) : json.createObjectNode();
        doc.set("end_to_end_update_latency", json.valueToTree(out));
        Files.writeString(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(doc) + "\n");
        System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(out));
        System.exit(0);
    }

    /** One window's 64 preferences in, timed to the batch, the version and the first video made with it. */
    static Map<String, Object> update(PhysMasterClient client, DpoTrainer trainer, StreamsSettings settings,
                                      List<Judged> pairs, byte[] probe, String annotator, boolean traffic,
                                      Progress progress) throws Exception {
        String name = traffic ? "with traffic" : "dedicated";
        int done = traffic ? 1 : 0;
        int before = trainer.published();
        List<String> uris = pairs.stream().flatMap(p -> java.util.stream.Stream.of(p.preferredUri(),
                p.rejectedUri())).toList();
        long waitFrom = System.nanoTime();
        while (!trainer.referenceErrorsKnown(uris)) {
            if (System.nanoTime() - waitFrom > Duration.ofMinutes(3).toNanos()) {
                throw new IllegalStateException("the trainer did not compute the pairs' reference errors in 3 min");
            }
            progress.update(done, name + ": waiting for the trainer's reference errors");
            Thread.sleep(20);
        }
        double referenceWait = (System.nanoTime() - waitFrom) / 1e9;

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong batchNanos = new AtomicLong();
        AtomicLong servingNanos = new AtomicLong();
        AtomicReference<String> newVersion = new AtomicReference<>();
        Instant followFrom = Instant.now();
        Thread follower = new Thread(() -> client.followVideos(followFrom, v -> {
            if (newVersion.get() != null && v.getEncoderVersion().equals(newVersion.get())) {
                servingNanos.set(System.nanoTime());
                return false;
            }
            return !stop.get();
        }, Duration.ofMinutes(10)), "follower");
        follower.start();
        Thread submitter = new Thread(() -> {
            while (traffic && !stop.get() && servingNanos.get() == 0) {
                try {
                    client.submit(Submission.of(probe).withSamples(1));
                    Thread.sleep(1000);
                } catch (Exception e) {
                    return;
                }
            }
        }, "submitter");
        submitter.start();
        // A read_committed follower of the batches topic, as the trainer reads it; assigned before t0.
        AtomicBoolean assigned = new AtomicBoolean();
        Thread batches = new Thread(() -> {
            try (var c = new org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]>(Map.<String, Object>of(
                    "bootstrap.servers", client.settings().bootstrapServers(), "isolation.level", "read_committed",
                    "group.id", "bench-e2e-" + annotator, "auto.offset.reset", "latest"),
                    new org.apache.kafka.common.serialization.StringDeserializer(),
                    new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
                c.subscribe(List.of(io.physmaster.topics.Topics.PREFERENCE_BATCHES.name()));
                long until = System.nanoTime() + Duration.ofMinutes(3).toNanos();
                while (batchNanos.get() == 0 && !stop.get() && System.nanoTime() < until) {
                    boolean any = !c.poll(Duration.ofMillis(20)).isEmpty();
                    if (any && assigned.get()) {
                        batchNanos.set(System.nanoTime());
                    }
                    if (!c.assignment().isEmpty() && !assigned.get()) {
                        c.seekToEnd(c.assignment());
                        c.position(c.assignment().iterator().next()); // the end is resolved now, before t0
                        assigned.set(true);
                    }
                }
            }
        }, "batches");
        batches.start();
        // Right after a window boundary: all 64 preferences fall in one window, and the 64th makes it due.
        long windowMs = settings.window().toMillis();
        progress.update(done, name + ": waiting for a window boundary");
        Thread.sleep(Math.max(2000, windowMs - System.currentTimeMillis() % windowMs + 100));
        if (!assigned.get()) {
            throw new IllegalStateException("the batches follower got no partition");
        }
        long t0 = 0;
        for (Judged p : pairs) {
            client.publishPreference(p.requestId(), p.preferred(), p.rejected(), PreferenceSource.JUDGE, annotator,
                    0.9f);
            t0 = System.nanoTime();
        }
        long deadline = t0 + Duration.ofMinutes(5).toNanos();
        long versionNanos = 0;
        while (System.nanoTime() < deadline && versionNanos == 0) {
            if (trainer.published() > before) {
                versionNanos = System.nanoTime();
            }
            progress.update(done, name + ": " + pairs.size() + " preferences in, waiting for the version");
            Thread.sleep(20);
        }
        if (versionNanos == 0) {
            stop.set(true);
            throw new IllegalStateException("no encoder version within 5 minutes (a failed gate is a dead letter)");
        }
        List<EncoderVersion> versions = client.encoderVersions(Duration.ofSeconds(10));
        newVersion.set(versions.get(versions.size() - 1).getVersion());
        if (!traffic) {
            client.submit(Submission.of(probe).withSamples(1)); // the first request after the version is out
        }
        while (System.nanoTime() < deadline && servingNanos.get() == 0) {
            progress.update(done, name + ": version out, waiting for its first video");
            Thread.sleep(20);
        }
        stop.set(true);
        follower.join(15_000);
        submitter.join(15_000);
        batches.join(15_000);
        if (servingNanos.get() == 0) {
            throw new IllegalStateException("the worker served no video with the new encoder within 5 minutes");
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("seconds_to_batch_readable", batchNanos.get() == 0 ? null : (batchNanos.get() - t0) / 1e9);
        f.put("seconds_to_version_published", (versionNanos - t0) / 1e9);
        f.put("seconds_to_first_video_with_new_encoder", (servingNanos.get() - t0) / 1e9);
        f.put("version", newVersion.get());
        f.put("training_figures", new java.util.TreeMap<>(versions.get(versions.size() - 1).getTrainingFigures()));
        f.put("seconds_before_t0_until_reference_errors_known", referenceWait);
        progress.note(String.format("%s: batch %.1f s, version %.1f s, first video %.1f s", name,
                batchNanos.get() == 0 ? Double.NaN : (batchNanos.get() - t0) / 1e9, (versionNanos - t0) / 1e9,
                (servingNanos.get() - t0) / 1e9));
        progress.update(done + 1, name + " timed");
        return f;
    }

    static byte[] png(SceneSpec scene) throws java.io.IOException {
        RenderedClip c = ProxyTask.render(scene, ClipSpec.MODEL);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(Renderer.toImage(c.video(), 0, 32, 32), "png", png);
        return png.toByteArray();
    }

    private EndToEndUpdateLatencyBenchmark() {
    }
}
