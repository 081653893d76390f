package io.physmaster.trainer;

import io.physmaster.model.ModelRuntime;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.physmaster.blob.LocalBlobStore;
import io.physmaster.client.ClientSettings;
import io.physmaster.client.PhysMasterClient;
import io.physmaster.client.Submission;
import io.physmaster.model.Checkpoint;
import io.physmaster.model.ModelConfig;
import io.physmaster.model.Models;
import io.physmaster.role.MetricsEndpoint;
import io.physmaster.role.MetricsScrape;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.schemas.PreferencePair;
import io.physmaster.serde.AvroSerializer;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Renderer;
import io.physmaster.sim.Split;
import io.physmaster.sim.io.ClipFile;
import io.physmaster.stack.LocalStack;
import io.physmaster.stack.LocalStackExtension;
import io.physmaster.topics.Topics;
import io.physmaster.worker.GenerationWorker;
import io.physmaster.worker.WorkerSettings;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A preference batch in, a gated encoder version out, a worker serving it; a replayed batch is not applied twice. */
@ExtendWith(LocalStackExtension.class)
class DpoTrainerIT {

    static final ModelConfig SMALL = new ModelConfig(16, 32, 4, 16, 2, 1, 16, 8);

    @TempDir
    Path dir;

    @Test
    void aBatchBecomesAnEncoderVersionThatWorkersServe() throws Exception {
        LocalStack stack = LocalStackExtension.stack();
        ModelRuntime.setUp();
        Path model = dir.resolve("small.pmck");
        try (NDManager m = NDManager.newBaseManager()) {
            var net = Models.create(SMALL, m);
            for (var p : net.getParameters()) {
                if (p.getKey().contains("ada") || p.getKey().contains("final")) {
                    p.getValue().getArray().addi(0.05f); // let c_phys reach the output so DPO on the head acts
                }
            }
            Checkpoint.save(model, "model", SMALL, net, 0, Map.of(), Map.of());
        }
        LocalBlobStore blobs = new LocalBlobStore(dir.resolve("blobs"));
        List<PreferencePair> pairs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RenderedClip truth = ProxyTask.render(ProxyTask.scene(Split.TRAIN, i), ClipSpec.MODEL);
            float[] frozen = new float[truth.video().length];
            for (int t = 0; t < 16; t++) {
                System.arraycopy(truth.video(), 0, frozen, t * 3072, 3072);
            }
            URI w = blobs.put("p/" + i + "-w.pmv", ClipFile.encode(new ClipFile.Contents("train:" + i, 16, 32, 32, 10,
                    truth.video(), null, null)), "x");
            URI l = blobs.put("p/" + i + "-l.pmv", ClipFile.encode(new ClipFile.Contents("train:" + i, 16, 32, 32, 10,
                    frozen, null, null)), "x");
            pairs.add(PreferencePair.newBuilder().setRequestId("r" + i).setPreferredUri(w.toString())
                    .setRejectedUri(l.toString()).setEncoderVersion("stage1").build());
        }
        String batchId = "it-batch-" + UUID.randomUUID();
        PreferenceBatch batch = PreferenceBatch.newBuilder().setBatchId(batchId).setEncoderVersion("stage1")
                .setWindowStart(Instant.now()).setWindowEnd(Instant.now()).setPairs(pairs).setEventsSeen(3).build();
        AvroSerializer<SpecificRecord> ser = new AvroSerializer<>();
        ser.configure(new HashMap<>(stack.clientConfigs()), false);
        DpoTrainerSettings settings = new DpoTrainerSettings(stack.connection(dir.resolve("blobs")), model, "stage1", 3, 2000f, 1e-3f, 2, 100, 64,
                0, 2, 100.0, 2, DpoTrainerSettings.DEFAULT_REFERENCE_VIDEOS);
        ClientSettings cs = new ClientSettings(stack.connection(dir.resolve("blobs")), Duration.ofSeconds(20));
        try (MetricsEndpoint metrics = MetricsEndpoint.start("trainer", MetricsEndpoint.DEFAULT_HOST, 0);
             DpoTrainer trainer = new DpoTrainer(settings, metrics.registry());
             PhysMasterClient client = PhysMasterClient.connect(cs);
             KafkaProducer<String, SpecificRecord> p = new KafkaProducer<>(Map.of("bootstrap.servers",
                     stack.bootstrapServers()), new StringSerializer(), ser)) {
            // The pairs' videos were published before the trainer started: it finds them on the videos topic
            // (it reads back a few minutes) and computes the reference's errors on them before the batch comes.
            publishVideos(p, pairs);
            Thread t = new Thread(trainer, "trainer");
            t.start();
            List<String> uris = uris(pairs);
            long waitUntil = System.currentTimeMillis() + 60_000;
            while (!trainer.referenceErrorsKnown(uris) && System.currentTimeMillis() < waitUntil) {
                Thread.sleep(100);
            }
            assertTrue(trainer.referenceErrorsKnown(uris), "the reference errors of the 6 videos were computed");
            p.send(new ProducerRecord<>(Topics.PREFERENCE_BATCHES.name(), batchId, batch)).get();
            p.send(new ProducerRecord<>(Topics.PREFERENCE_BATCHES.name(), batchId, batch)).get(); // replayed
            EncoderVersion published = null;
            long deadline = System.currentTimeMillis() + 120_000;
            while (published == null && System.currentTimeMillis() < deadline) {
                Thread.sleep(1000);
                published = client.encoderVersions(Duration.ofSeconds(10)).stream()
                        .filter(v -> v.getBatchIds().contains(batchId)).findFirst().orElse(null);
            }
            assertTrue(published != null, "an encoder version was published for the batch");
            assertEquals("stage1", published.getParent());
            assertTrue(published.getTrainingFigures().containsKey("reward_accuracy"));
            assertEquals(3.0, published.getTrainingFigures().get("pair_visits_with_reference_known"),
                    "the first pass (1 step of 3 pairs) ran the policy only; the 2 steps after it drew fresh noise");
            assertTrue(published.getEvaluationFigures().containsKey("candidate_score"));
            Thread.sleep(5000); // the replayed batch has been read by now
            long versionsForBatch = client.encoderVersions(Duration.ofSeconds(10)).stream()
                    .filter(v -> v.getBatchIds().contains(batchId)).count();
            assertEquals(1, versionsForBatch, "the replayed batch is not applied twice");
            assertTrainerMetrics(MetricsScrape.get(metrics.port()));
            trainer.stop();
            t.join(30_000);

            WorkerSettings ws = new WorkerSettings(stack.connection(dir.resolve("blobs")), model, "stage1", "dpo-it-workers", "w-dpo", 4, "127.0.0.1", -1, 0, Duration.ofMillis(200));
            try (GenerationWorker worker = new GenerationWorker(ws)) {
                Thread wt = new Thread(worker, "worker");
                wt.start();
                Thread.sleep(2000);
                RenderedClip c = ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, 1), ClipSpec.MODEL);
                ByteArrayOutputStream png = new ByteArrayOutputStream();
                ImageIO.write(Renderer.toImage(c.video(), 0, 32, 32), "png", png);
                String id = client.submit(Submission.of(png.toByteArray()).withSamples(1).withSteps(2));
                String served = client.awaitVideos(id, 1, Duration.ofSeconds(90)).get(0).getEncoderVersion();
                var latest = client.encoderVersions(Duration.ofSeconds(10));
                assertEquals(latest.get(latest.size() - 1).getVersion(), served, "the worker serves the new version");
                worker.stop();
                wt.join(30_000);
            }
        }
    }

    /** The trainer's /metrics after one batch (3 pairs, 3 steps, gate passed) and its replay (not trained). */
    private static void assertTrainerMetrics(String text) {
        assertEquals(3.0, MetricsScrape.sum(text, "physmaster_trainer_updates_total")
                + MetricsScrape.sum(text, "physmaster_trainer_skipped_steps_total"), text);
        assertEquals(9.0, MetricsScrape.sum(text, "physmaster_trainer_pair_visits_total"), "3 steps of 3 pairs");
        assertEquals(1.0, MetricsScrape.sum(text, "physmaster_trainer_batches_total"), text);
        assertEquals(0.0, MetricsScrape.sum(text, "physmaster_trainer_consolidation_chunks_total"), "consolidation off");
        assertEquals(3.0, MetricsScrape.sum(text, "physmaster_trainer_replay_pairs"), text);
        double loss = MetricsScrape.sum(text, "physmaster_trainer_dpo_loss");
        assertTrue(Double.isFinite(loss) && loss > 0, "last DPO loss " + loss);
        assertEquals(1.0, MetricsScrape.sum(text, "physmaster_trainer_gate_decisions_total", "outcome=\"pass\""), text);
        assertEquals(0.0, MetricsScrape.sum(text, "physmaster_trainer_gate_decisions_total", "outcome=\"fail\""), text);
        assertEquals(1.0, MetricsScrape.sum(text, "physmaster_trainer_gate_seconds_count"), text);
        assertEquals(1.0, MetricsScrape.sum(text, "physmaster_trainer_versions_published_total"), text);
        assertTrue(MetricsScrape.sum(text, "jvm_memory_used_bytes", "role=\"trainer\"") > 0, text);
    }

    /** Both videos of every pair on the generated-videos topic, as samples 0 and 1 of its request. */
    private static void publishVideos(KafkaProducer<String, SpecificRecord> producer, List<PreferencePair> pairs) {
        for (PreferencePair pair : pairs) {
            int sample = 0;
            for (String uri : List.of(pair.getPreferredUri(), pair.getRejectedUri())) {
                producer.send(new ProducerRecord<>(Topics.GENERATED_VIDEOS.name(), pair.getRequestId(),
                        GeneratedVideo.newBuilder().setRequestId(pair.getRequestId()).setSampleIndex(sample)
                                .setSeed(sample).setVideoUri(uri).setRawUri(uri).setFormat("pmv").setFrames(16)
                                .setWidth(32).setHeight(32).setSha256("-").setEncoderVersion("stage1")
                                .setModelVersion("stage1").setLatencyMs(0).setCreatedAt(Instant.now()).build()));
                sample++;
            }
        }
        producer.flush();
    }

    /** The pairs' video URIs, as the trainer keys its reference errors. */
    private static List<String> uris(List<PreferencePair> pairs) {
        return pairs.stream().flatMap(p -> Stream.of(p.getPreferredUri(), p.getRejectedUri())).toList();
    }
}
