package io.physmaster.dpo;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.physmaster.blob.LocalBlobStore;
import io.physmaster.client.ClientSettings;
import io.physmaster.client.PhysMasterClient;
import io.physmaster.client.Submission;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.sample.EulerSampler;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.schemas.PreferencePair;
import io.physmaster.serde.AvroSerializer;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Renderer;
import io.physmaster.sim.Split;
import io.physmaster.sim.io.ClipFile;
import io.physmaster.sim.judge.PhysicsJudge;
import io.physmaster.stack.LocalStack;
import io.physmaster.stack.LocalStackConfig;
import io.physmaster.topics.Topics;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Benchmark (prints figures; not a test): latency from a closed preference window to a worker serving the
 * encoder trained on it, for a 64-pair batch with the shipped Stage I model on the real local stack; once with
 * the cores to the update (an idle worker) and once while the worker serves one request a second.
 *
 * <p>Before the clock starts: 64 training scenes, two samples each from the shipped model, judged by the physics
 * judge (preferred = the better one), stored as a worker would store them. Then a worker and the DPO trainer run
 * with their defaults (DpoTrainerSettings.fromEnv), the batch is published as the Streams application publishes
 * it when a window closes (t0): first with the worker idle until the version is out (then one request), then
 * again (a new batch id) while a client submits one request a second. Figures per case: t0 to the
 * EncoderVersion acknowledged by the broker (DPO steps, gate, checkpoint upload) and t0 to the first finished video
 * made with it, as a consumer of the videos topic sees it.
 * Merged into docs/results/bench-streams.json under "update_latency".
 * <pre>
 *   mvn -B -q -pl gpu-workers exec:java -Dexec.classpathScope=test \
 *       -Dexec.mainClass=io.physmaster.dpo.EncoderUpdateLatencyBenchmark
 * </pre>
 */
public final class EncoderUpdateLatencyBenchmark {

    static final int PAIRS = 64;
    static final Duration REQUEST_EVERY = Duration.ofSeconds(1);
    private static final AtomicBoolean publishedVideos = new AtomicBoolean();
    private static double referenceWait;

    public static void main(String[] args) throws Exception {
        Path root = Path.of(System.getProperty("physmaster.root", "."));
        Path model = root.resolve(args.length > 0 ? args[0] : "models/stage1.pmck");
        Path blobsDir = Files.createTempDirectory("bench-update-blobs");
        LocalBlobStore blobs = new LocalBlobStore(blobsDir);
        io.physmaster.model.Runtime.device();

        // Preference pairs from the model's own samples, labelled by the judge (not timed).
        List<PreferencePair> pairs = new ArrayList<>();
        PhysicsJudge judge = new PhysicsJudge(0);
        long prep = System.nanoTime();
        try (NDManager m = NDManager.newBaseManager()) {
            PhysMasterModel net = Models.load(model, m);
            EulerSampler sampler = new EulerSampler(net, m);
            for (int i = 0; pairs.size() < PAIRS && i < 4 * PAIRS; i++) {
                RenderedClip truth = ProxyTask.render(ProxyTask.scene(Split.TRAIN, i), ClipSpec.MODEL);
                float[] first = truth.frame(0);
                float[][] videos = sampler.sample(new float[][] {first, first}, new long[] {1, 2}, 8, 1f, null);
                Optional<PhysicsJudge.Verdict> v = judge.judge(truth, List.of(videos[0], videos[1]));
                if (v.isEmpty()) {
                    continue;
                }
                URI[] uris = new URI[2];
                for (int s = 0; s < 2; s++) {
                    uris[s] = blobs.put("bench/" + i + "-" + s + ".pmv", ClipFile.encode(new ClipFile.Contents(
                            "train:" + i, 16, 32, 32, 10, videos[s], null, null)), "application/octet-stream");
                }
                pairs.add(PreferencePair.newBuilder().setRequestId("bench-" + i)
                        .setPreferredUri(uris[v.get().preferred()].toString())
                        .setRejectedUri(uris[v.get().rejected()].toString()).setEncoderVersion("stage1").build());
            }
        }
        System.out.printf("prepared %d judged pairs in %.1f s%n", pairs.size(), (System.nanoTime() - prep) / 1e9);

        ObjectMapper json = new ObjectMapper();
        ObjectNode lat = json.createObjectNode();
        try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral())) {
            Map<String, String> env = new HashMap<>(System.getenv());
            env.put("PHYSMASTER_BOOTSTRAP_SERVERS", stack.bootstrapServers());
            env.put("PHYSMASTER_SCHEMA_REGISTRY_URL", stack.schemaRegistryUrl());
            env.put("PHYSMASTER_BLOB_STORE", blobsDir.toString());
            env.put("PHYSMASTER_MODEL", model.toString());
            DpoTrainerSettings ts = DpoTrainerSettings.fromEnv(env);
            WorkerSettings ws = WorkerSettings.fromEnv(env).withMetricsPort(-1).withWorkerId("bench-worker");
            ClientSettings cs = new ClientSettings(stack.bootstrapServers(), stack.schemaRegistryUrl(),
                    blobsDir.toString(), Duration.ofSeconds(30));
            byte[] png = png(ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, 0), ClipSpec.MODEL));
            try (GenerationWorker worker = new GenerationWorker(ws); DpoTrainer trainer = new DpoTrainer(ts);
                 PhysMasterClient client = PhysMasterClient.connect(cs)) {
                Thread wt = new Thread(worker, "worker");
                Thread tt = new Thread(trainer, "trainer");
                wt.start();
                tt.start();
                // Warm: the worker has served a request, so its consumer group and model are ready.
                client.awaitVideos(client.submit(Submission.of(png).withSamples(1)), 1, Duration.ofMinutes(2));
                while (!trainer.ready()) { // its warm-up (gate score of the served version, one dry step) is done
                    Thread.sleep(50);
                }
                AvroSerializer<SpecificRecord> ser = new AvroSerializer<>();
                ser.configure(new HashMap<>(stack.clientConfigs()), false);
                // 1. The update with the cores to itself (as on a trainer machine of its own): the worker idles
                //    until the version is out, then one request arrives.
                lat.set("dedicated", json.valueToTree(update(stack, client, trainer, ser, pairs, png, false)));
                // 2. The same batch size while the worker serves one request a second on the same two cores.
                lat.set("with_traffic", json.valueToTree(update(stack, client, trainer, ser, pairs, png, true)));
                worker.stop();
                trainer.stop();
                wt.join(30_000);
                tt.join(30_000);
            }
        }
        Path out = root.resolve("docs/results/bench-streams.json");
        ObjectNode doc = Files.exists(out) ? (ObjectNode) json.readTree(out.toFile()) : json.createObjectNode();
        lat.put("pairs", pairs.size());
        lat.put("target_seconds", 10);
        lat.put("model", root.relativize(model.toAbsolutePath()).toString());
        lat.put("cores", java.lang.Runtime.getRuntime().availableProcessors());
        lat.put("request_every_ms_with_traffic", REQUEST_EVERY.toMillis());
        lat.put("note", "t0 = the PreferenceBatch record published, as the Streams app does when a window closes;"
                + " trainer (head DPO steps + gate + checkpoint) and worker with their defaults in one process."
                + " dedicated: the worker is idle while the trainer works and gets one request once the version is"
                + " published; with_traffic: the worker serves one request per second meanwhile, on the same cores"
                + " (the second update starts from the first's version). The first video with the new encoder"
                + " includes sampling it (8 steps) and is timed when a consumer sees its record. Before t0 the pairs'"
                + " videos are on the generated-videos topic and the trainer has computed the reference's errors on"
                + " them (it does so while a window is open; seconds_before_t0_until_reference_errors_known), so"
                + " the DPO steps run the policy only");
        lat.put("command", "mvn -B -q -pl gpu-workers exec:java -Dexec.classpathScope=test"
                + " -Dexec.mainClass=io.physmaster.dpo.EncoderUpdateLatencyBenchmark");
        lat.put("measured_at", Instant.now().toString());
        doc.set("update_latency", lat);
        json.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), doc);
        System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(lat));
        System.exit(0);
    }

    /**
     * Publishes one batch of the pairs and times it: t0 -> the trainer's EncoderVersion acknowledged, and t0 -> the
     * first video made with that version as one follower of the videos topic sees it.
     */
    static Map<String, Object> update(LocalStack stack, PhysMasterClient client, DpoTrainer trainer,
                                      AvroSerializer<SpecificRecord> ser, List<PreferencePair> pairs, byte[] png,
                                      boolean traffic) throws Exception {
        int publishedBefore = trainer.published();
        String batchId = "bench-batch-" + UUID.randomUUID();
        PreferenceBatch batch = PreferenceBatch.newBuilder().setBatchId(batchId).setEncoderVersion("stage1")
                .setWindowStart(Instant.now()).setWindowEnd(Instant.now()).setPairs(pairs)
                .setEventsSeen(pairs.size()).build();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong servingNanos = new AtomicLong();
        java.util.concurrent.atomic.AtomicReference<String> newVersion = new java.util.concurrent.atomic.AtomicReference<>();
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
                    client.submit(Submission.of(png).withSamples(1));
                    Thread.sleep(REQUEST_EVERY.toMillis());
                } catch (Exception e) {
                    return;
                }
            }
        }, "submitter");
        submitter.start();
        Thread.sleep(2000); // follower positioned, traffic flowing

        long t0;
        try (KafkaProducer<String, SpecificRecord> p = new KafkaProducer<>(Map.of("bootstrap.servers",
                stack.bootstrapServers()), new StringSerializer(), ser)) {
            // The pairs' videos, as their worker published them while the window was open: the trainer computes
            // the reference's errors on them while it waits (again after a new version is out). A window (30 s by
            // default) leaves it the time; here the clock starts once it is done.
            if (publishedVideos.compareAndSet(false, true)) {
                PairVideos.publish(p, pairs);
            }
            long waitFrom = System.nanoTime();
            List<String> uris = PairVideos.uris(pairs);
            while (!trainer.referenceErrorsKnown(uris) && System.nanoTime() - waitFrom < Duration.ofMinutes(3).toNanos()) {
                Thread.sleep(20);
            }
            if (!trainer.referenceErrorsKnown(uris)) {
                throw new IllegalStateException("the trainer did not compute the pairs' reference errors in 3 minutes");
            }
            referenceWait = (System.nanoTime() - waitFrom) / 1e9;
            t0 = System.nanoTime();
            p.send(new ProducerRecord<>(Topics.PREFERENCE_BATCHES.name(), batchId, batch)).get();
        }
        long deadline = t0 + Duration.ofMinutes(5).toNanos();
        long versionNanos = 0;
        while (System.nanoTime() < deadline && versionNanos == 0) {
            if (trainer.published() > publishedBefore) {
                versionNanos = System.nanoTime(); // the EncoderVersion is acknowledged by the broker
            }
            Thread.sleep(20);
        }
        if (versionNanos == 0) {
            stop.set(true);
            throw new IllegalStateException("no encoder version was published within 5 minutes"
                    + " (a failed gate is a dead letter; see the trainer's log)");
        }
        EncoderVersion published = client.encoderVersions(Duration.ofSeconds(10)).stream()
                .filter(v -> v.getBatchIds().contains(batchId)).findFirst().orElseThrow();
        newVersion.set(published.getVersion());
        if (!traffic) {
            client.submit(Submission.of(png).withSamples(1)); // the first request after the version is out
        }
        while (System.nanoTime() < deadline && servingNanos.get() == 0) {
            Thread.sleep(20);
        }
        stop.set(true);
        follower.join(15_000);
        submitter.join(15_000);
        if (servingNanos.get() == 0) {
            throw new IllegalStateException("the worker served no video with the new encoder within 5 minutes");
        }
        Map<String, Object> figures = new java.util.LinkedHashMap<>();
        figures.put("seconds_window_close_to_version_published", (versionNanos - t0) / 1e9);
        figures.put("seconds_window_close_to_first_video_with_new_encoder", (servingNanos.get() - t0) / 1e9);
        figures.put("version", published.getVersion());
        figures.put("training_figures", new java.util.TreeMap<>(published.getTrainingFigures()));
        figures.put("seconds_before_t0_until_reference_errors_known", referenceWait);
        System.out.printf("%s: version %.1f s, first video %.1f s%n", traffic ? "with traffic" : "dedicated",
                (versionNanos - t0) / 1e9, (servingNanos.get() - t0) / 1e9);
        return figures;
    }

    static byte[] png(RenderedClip c) throws java.io.IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(Renderer.toImage(c.video(), 0, 32, 32), "png", out);
        return out.toByteArray();
    }

    private EncoderUpdateLatencyBenchmark() {
    }
}
