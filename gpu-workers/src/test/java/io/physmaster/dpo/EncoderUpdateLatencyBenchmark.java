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
 * encoder trained on it, for a 64-pair batch with the shipped Stage I model on the real local stack.
 *
 * <p>Before the clock starts: 64 training scenes, two samples each from the shipped model, judged by the physics
 * judge (preferred = the better one), stored as a worker would store them. Then a worker and the DPO trainer run
 * with their defaults (DpoTrainerSettings.fromEnv), the batch is published as the Streams application publishes
 * it when a window closes (t0), and a client keeps submitting one request a second. Figures: t0 to the
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

        double toVersion;
        double toServing;
        String version;
        Map<String, Double> training;
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

                String batchId = "bench-batch-" + UUID.randomUUID();
                PreferenceBatch batch = PreferenceBatch.newBuilder().setBatchId(batchId).setEncoderVersion("stage1")
                        .setWindowStart(Instant.now()).setWindowEnd(Instant.now()).setPairs(pairs)
                        .setEventsSeen(pairs.size()).build();
                AvroSerializer<SpecificRecord> ser = new AvroSerializer<>();
                ser.configure(new HashMap<>(stack.clientConfigs()), false);

                // Traffic while the update runs: one request every REQUEST_EVERY; one follower sees every video
                // and notes when the first one made with an online encoder version arrives.
                AtomicBoolean stop = new AtomicBoolean();
                AtomicLong servingNanos = new AtomicLong();
                Instant followFrom = Instant.now();
                Thread follower = new Thread(() -> client.followVideos(followFrom, v -> {
                    if (v.getEncoderVersion().startsWith("online-")) {
                        servingNanos.set(System.nanoTime());
                        return false;
                    }
                    return !stop.get();
                }, Duration.ofMinutes(10)), "follower");
                follower.start();
                Thread submitter = new Thread(() -> {
                    while (!stop.get() && servingNanos.get() == 0) {
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
                    t0 = System.nanoTime();
                    p.send(new ProducerRecord<>(Topics.PREFERENCE_BATCHES.name(), batchId, batch)).get();
                }
                long deadline = t0 + Duration.ofMinutes(5).toNanos();
                long versionNanos = 0;
                while (System.nanoTime() < deadline && (versionNanos == 0 || servingNanos.get() == 0)) {
                    if (versionNanos == 0 && trainer.published() > 0) {
                        versionNanos = System.nanoTime(); // the EncoderVersion is acknowledged by the broker
                    }
                    Thread.sleep(20);
                }
                stop.set(true);
                follower.join(15_000);
                submitter.join(15_000);
                if (versionNanos == 0) {
                    throw new IllegalStateException("no encoder version was published within 5 minutes"
                            + " (a failed gate is a dead letter; see the trainer's log)");
                }
                if (servingNanos.get() == 0) {
                    throw new IllegalStateException("the worker served no video with the new encoder within 5 minutes");
                }
                EncoderVersion published = client.encoderVersions(Duration.ofSeconds(10)).stream()
                        .filter(v -> v.getBatchIds().contains(batchId)).findFirst().orElseThrow();
                toVersion = (versionNanos - t0) / 1e9;
                toServing = (servingNanos.get() - t0) / 1e9;
                version = published.getVersion();
                training = new HashMap<>(published.getTrainingFigures());
                worker.stop();
                trainer.stop();
                wt.join(30_000);
                tt.join(30_000);
            }
        }
        ObjectMapper json = new ObjectMapper();
        Path out = root.resolve("docs/results/bench-streams.json");
        ObjectNode doc = Files.exists(out) ? (ObjectNode) json.readTree(out.toFile()) : json.createObjectNode();
        ObjectNode lat = doc.putObject("update_latency");
        lat.put("pairs", pairs.size());
        lat.put("seconds_window_close_to_version_published", toVersion);
        lat.put("seconds_window_close_to_first_video_with_new_encoder", toServing);
        lat.put("target_seconds", 10);
        lat.put("version", version);
        lat.putPOJO("training_figures", training);
        lat.put("model", root.relativize(model.toAbsolutePath()).toString());
        lat.put("cores", java.lang.Runtime.getRuntime().availableProcessors());
        lat.put("request_every_ms", REQUEST_EVERY.toMillis());
        lat.put("note", "t0 = the PreferenceBatch record published, as the Streams app does when a window closes;"
                + " trainer (head DPO steps + gate + checkpoint) and worker with their defaults, one process, sharing"
                + " the cores while the worker serves one request per second; the first video with the new encoder"
                + " includes sampling it (8 steps) and is timed when a consumer sees its record");
        lat.put("command", "mvn -B -q -pl gpu-workers exec:java -Dexec.classpathScope=test"
                + " -Dexec.mainClass=io.physmaster.dpo.EncoderUpdateLatencyBenchmark");
        lat.put("measured_at", Instant.now().toString());
        json.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), doc);
        System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(lat));
        System.exit(0);
    }

    static byte[] png(RenderedClip c) throws java.io.IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(Renderer.toImage(c.video(), 0, 32, 32), "png", out);
        return out.toByteArray();
    }

    private EncoderUpdateLatencyBenchmark() {
    }
}
