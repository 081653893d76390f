package io.physmaster.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.physmaster.blob.LocalBlobStore;
import io.physmaster.client.ClientSettings;
import io.physmaster.client.PhysMasterClient;
import io.physmaster.model.Checkpoint;
import io.physmaster.model.ModelRuntime;
import io.physmaster.model.Models;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.schemas.PreferencePair;
import io.physmaster.serde.AvroSerializer;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Split;
import io.physmaster.sim.io.ClipFile;
import io.physmaster.stack.LocalStack;
import io.physmaster.stack.LocalStackConfig;
import io.physmaster.topics.Topics;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Between windows the trainer keeps training over its replay buffer and publishes consolidated versions; one
 * optimizer and learning-rate schedule run through windows and consolidation alike; a batch that arrives while
 * consolidation runs is still trained and published as its own version. (The gate lets everything through here:
 * what it decides is GateTest's and FlippedPreferencesIT's business.) A stack of its own: its versions and
 * committed offsets must not become DpoTrainerIT's starting point.
 */
class ConsolidationIT {

    @TempDir
    Path dir;

    @Test
    void consolidatedVersionsFollowAWindowAndTheNextWindowStillGetsThrough() throws Exception {
        ModelRuntime.setUp();
        Path model = dir.resolve("small.pmck");
        try (NDManager m = NDManager.newBaseManager()) {
            var net = Models.create(DpoTrainerIT.SMALL, m);
            for (var p : net.getParameters()) {
                if (p.getKey().contains("ada") || p.getKey().contains("final")) {
                    p.getValue().getArray().addi(0.05f); // the zero-initialised output layer would stop every gradient
                }
            }
            Checkpoint.save(model, "model", DpoTrainerIT.SMALL, net, 0, Map.of(), Map.of());
        }
        LocalBlobStore blobs = new LocalBlobStore(dir.resolve("blobs"));
        String run = UUID.randomUUID().toString().substring(0, 8);
        try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral())) {
            run(stack, model, blobs, run);
        }
    }

    private void run(LocalStack stack, Path model, LocalBlobStore blobs, String run) throws Exception {
        AvroSerializer<SpecificRecord> ser = new AvroSerializer<>();
        ser.configure(new HashMap<>(stack.clientConfigs()), false);
        // 1 step per window, a consolidated candidate every 2 steps, a 20-step learning-rate schedule, 2 gate
        // scenes, a gate that passes anything, no reference-error precomputation.
        DpoTrainerSettings settings = new DpoTrainerSettings(stack.connection(dir.resolve("blobs")), model, "stage1",
                1, 2000f, 1e-3f, 2, 20, 64, 2, 2, 100.0, 2, 0);
        ClientSettings cs = new ClientSettings(stack.connection(dir.resolve("blobs")), Duration.ofSeconds(20));
        try (DpoTrainer trainer = new DpoTrainer(settings);
             PhysMasterClient client = PhysMasterClient.connect(cs);
             KafkaProducer<String, SpecificRecord> p = new KafkaProducer<>(Map.of("bootstrap.servers",
                     stack.bootstrapServers()), new StringSerializer(), ser)) {
            Thread t = new Thread(trainer, "trainer");
            t.start();
            String first = "consolidation-" + run + "-1";
            p.send(new ProducerRecord<>(Topics.PREFERENCE_BATCHES.name(), first, batch(first, pairs(blobs, run, 0)))).get();
            EncoderVersion window = await(client, v -> v.getBatchIds().contains(first)
                    && v.getTrainingFigures().get("consolidated") == 0.0);
            EncoderVersion consolidated = await(client, v -> v.getTrainingFigures().get("consolidated") == 1.0
                    && v.getBatchIds().contains(first)
                    && v.getTrainingFigures().get("steps_total") >= window.getTrainingFigures().get("steps_total") + 4);
            assertTrue(consolidated.getVersion().contains("-c"), consolidated.getVersion());
            assertEquals(2.0, consolidated.getTrainingFigures().get("steps"), "steps since the last candidate");
            assertTrue(consolidated.getTrainingFigures().get("learning_rate")
                    < window.getTrainingFigures().get("learning_rate"), "one schedule across window and consolidation");
            // Consolidation is running without pause now; the next window still gets its own version.
            String second = "consolidation-" + run + "-2";
            p.send(new ProducerRecord<>(Topics.PREFERENCE_BATCHES.name(), second, batch(second, pairs(blobs, run, 3))))
                    .get();
            EncoderVersion next = await(client, v -> v.getBatchIds().contains(second)
                    && v.getTrainingFigures().get("consolidated") == 0.0);
            assertTrue(next.getTrainingFigures().get("steps_total") > consolidated.getTrainingFigures().get("steps_total"),
                    "the window continues the same optimisation");
            assertEquals(6.0, next.getTrainingFigures().get("replay_pairs"), "both windows' pairs in the buffer");
            trainer.stop();
            t.join(30_000);
        }
    }

    /** The first encoder version that matches, waiting up to 3 minutes. */
    private static EncoderVersion await(PhysMasterClient client, Predicate<EncoderVersion> which) throws Exception {
        long deadline = System.currentTimeMillis() + 180_000;
        while (System.currentTimeMillis() < deadline) {
            for (EncoderVersion v : client.encoderVersions(Duration.ofSeconds(10))) {
                if (which.test(v)) {
                    return v;
                }
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no such encoder version within 3 minutes");
    }

    /** Three pairs of training scenes (the simulated video preferred over the frozen one), stored as .pmv. */
    static List<PreferencePair> pairs(LocalBlobStore blobs, String run, int from) throws Exception {
        List<PreferencePair> pairs = new ArrayList<>();
        for (int i = from; i < from + 3; i++) {
            RenderedClip truth = ProxyTask.render(ProxyTask.scene(Split.TRAIN, i), ClipSpec.MODEL);
            URI w = blobs.put("c/" + run + i + "-w.pmv", ClipFile.encode(new ClipFile.Contents("train:" + i, 16, 32,
                    32, 10, truth.video(), null, null)), "x");
            URI l = blobs.put("c/" + run + i + "-l.pmv", ClipFile.encode(new ClipFile.Contents("train:" + i, 16, 32,
                    32, 10, truth.frozenVideo(), null, null)), "x");
            pairs.add(PreferencePair.newBuilder().setRequestId(run + "-r" + i).setPreferredUri(w.toString())
                    .setRejectedUri(l.toString()).setEncoderVersion("stage1").build());
        }
        return pairs;
    }

    static PreferenceBatch batch(String id, List<PreferencePair> pairs) {
        return PreferenceBatch.newBuilder().setBatchId(id).setEncoderVersion("stage1").setWindowStart(Instant.now())
                .setWindowEnd(Instant.now()).setPairs(pairs).setEventsSeen(pairs.size()).build();
    }
}
