package io.physmaster.worker;

import io.physmaster.model.ModelRuntime;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.physmaster.blob.LocalBlobStore;
import io.physmaster.blob.Sha256;
import io.physmaster.client.ClientSettings;
import io.physmaster.client.PhysMasterClient;
import io.physmaster.client.Submission;
import io.physmaster.model.Checkpoint;
import io.physmaster.model.ModelConfig;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.schemas.DeadLetter;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.GenerationRequest;
import io.physmaster.serde.AvroDeserializer;
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
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Workers against the real broker and registry, with a small (untrained) model so sampling is quick. */
@ExtendWith(LocalStackExtension.class)
class GenerationWorkerIT {

    static final ModelConfig SMALL = new ModelConfig(16, 32, 4, 16, 2, 1, 16, 8);

    @TempDir
    static Path dir;
    static Path modelFile;

    @BeforeAll
    static void saveSmallModel() throws Exception {
        ModelRuntime.setUp();
        try (NDManager m = NDManager.newBaseManager()) {
            PhysMasterModel net = Models.create(SMALL, m);
            modelFile = dir.resolve("small.pmck");
            Checkpoint.save(modelFile, "model", SMALL, net, 0, Map.of(), Map.of());
        }
    }

    static WorkerSettings settings(String id) {
        LocalStack s = LocalStackExtension.stack();
        return new WorkerSettings(s.connection(dir.resolve("blobs")), modelFile, "stage1", "it-workers", id, 4, "127.0.0.1", -1, 2, Duration.ofMillis(200));
    }

    static ClientSettings clientSettings() {
        LocalStack s = LocalStackExtension.stack();
        return new ClientSettings(s.connection(dir.resolve("blobs")), Duration.ofSeconds(20));
    }

    static byte[] scenePng(int index) throws Exception {
        RenderedClip c = ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, index), ClipSpec.MODEL);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(Renderer.toImage(c.video(), 0, 32, 32), "png", out);
        return out.toByteArray();
    }

    static Thread start(GenerationWorker w) {
        Thread t = new Thread(w, "worker");
        t.start();
        return t;
    }

    static void publish(String topic, String key, SpecificRecord value) throws Exception {
        AvroSerializer<SpecificRecord> ser = new AvroSerializer<>();
        ser.configure(new HashMap<>(LocalStackExtension.stack().clientConfigs()), false);
        try (KafkaProducer<String, SpecificRecord> p = new KafkaProducer<>(
                Map.of("bootstrap.servers", LocalStackExtension.stack().bootstrapServers()), new StringSerializer(), ser)) {
            p.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    static List<DeadLetter> deadLetters(String key, Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalStackExtension.stack().bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        AvroDeserializer<DeadLetter> de = new AvroDeserializer<>(DeadLetter.class);
        de.configure(new HashMap<>(LocalStackExtension.stack().clientConfigs()), false);
        List<DeadLetter> out = new ArrayList<>();
        try (KafkaConsumer<String, DeadLetter> c = new KafkaConsumer<>(p, new StringDeserializer(), de)) {
            c.subscribe(List.of(Topics.DEAD_LETTERS.name()));
            long deadline = System.currentTimeMillis() + timeout.toMillis();
            while (out.isEmpty() && System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(300)).forEach(r -> {
                    if (key.equals(r.key())) {
                        out.add(r.value());
                    }
                });
            }
        }
        return out;
    }

    @Test
    void requestsInVideosOutWithFilesAndChecksums() throws Exception {
        try (GenerationWorker worker = new GenerationWorker(settings("w-basic"));
             PhysMasterClient client = PhysMasterClient.connect(clientSettings())) {
            Thread t = start(worker);
            String a = client.submit(Submission.of(scenePng(0)).withSamples(2).withSteps(3).withSeed(11)
                    .withSceneId("seen:0"));
            String b = client.submit(Submission.of(scenePng(1)).withSamples(2).withSteps(3).withFrames(12));
            List<GeneratedVideo> va = client.awaitVideos(a, 2, Duration.ofSeconds(90));
            List<GeneratedVideo> vb = client.awaitVideos(b, 2, Duration.ofSeconds(90));
            for (GeneratedVideo v : va) {
                Path mp4 = client.download(v, dir.resolve("out")); // verifies the SHA-256
                assertEquals("ftyp", new String(Files.readAllBytes(mp4), 4, 4));
                assertEquals(11 + v.getSampleIndex(), v.getSeed());
                assertEquals("stage1", v.getEncoderVersion());
                assertEquals("seen:0", v.getSceneId());
                ClipFile.Contents raw = ClipFile.decode(Files.readAllBytes(Path.of(URI.create(v.getRawUri()))));
                assertEquals(16, raw.frames());
                assertTrue(Files.size(Path.of(URI.create(v.getContactSheetUri()))) > 100);
            }
            assertEquals(12, vb.get(0).getFrames(), "a request may ask for fewer frames");
            assertTrue(worker.metrics().scrape().contains("physmaster_videos_total"), worker.metrics().scrape());
            worker.stop();
            t.join(30_000);
        }
    }

    @Test
    void badInputGoesToTheDeadLetterTopicAndTheWorkerGoesOn() throws Exception {
        try (GenerationWorker worker = new GenerationWorker(settings("w-dlq"));
             PhysMasterClient client = PhysMasterClient.connect(clientSettings())) {
            Thread t = start(worker);
            String badId = "bad-" + UUID.randomUUID();
            publish(Topics.GENERATION_REQUESTS.name(), badId, GenerationRequest.newBuilder().setRequestId(badId)
                    .setFirstFrameInline(ByteBuffer.wrap("definitely not a png".getBytes())).setSubmittedAt(Instant.now())
                    .build());
            String garbageKey = "garbage-" + UUID.randomUUID();
            try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(
                    Map.of("bootstrap.servers", LocalStackExtension.stack().bootstrapServers()), new StringSerializer(),
                    new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                p.send(new ProducerRecord<>(Topics.GENERATION_REQUESTS.name(), garbageKey, new byte[] {9, 9, 9})).get();
            }
            String good = client.submit(Submission.of(scenePng(2)).withSamples(1).withSteps(2));
            assertEquals(1, client.awaitVideos(good, 1, Duration.ofSeconds(90)).size(), "the worker went on");
            DeadLetter d = deadLetters(badId, Duration.ofSeconds(30)).get(0);
            assertTrue(d.getReason().contains("not a PNG or JPEG"), d.getReason());
            assertEquals(Topics.GENERATION_REQUESTS.name(), d.getOriginalTopic());
            DeadLetter g = deadLetters(garbageKey, Duration.ofSeconds(30)).get(0);
            assertTrue(g.getReason().contains("undecodable"), g.getReason());
            assertNotNull(g.getValue(), "the raw bytes are kept for inspection");
            worker.stop();
            t.join(30_000);
        }
    }

    @Test
    void newEncoderVersionIsServedAndACorruptOneRefused() throws Exception {
        LocalBlobStore blobs = new LocalBlobStore(dir.resolve("blobs"));
        // A new physical head: the small model's head with changed weights, as the DPO trainer would publish.
        byte[] head;
        try (NDManager m = NDManager.newBaseManager()) {
            PhysMasterModel net = Models.load(modelFile, m);
            net.encoder().head().getParameters().forEach(p -> p.getValue().getArray().addi(0.01f));
            Path f = dir.resolve("head-v2.pmck");
            Checkpoint.save(f, "head", SMALL, net.encoder().head(), 1, Map.of(), Map.of());
            head = Files.readAllBytes(f);
        }
        String v2 = "it-v2-" + UUID.randomUUID().toString().substring(0, 8);
        URI uri = blobs.put("encoders/" + v2 + ".pmck", head, "application/octet-stream");
        try (GenerationWorker worker = new GenerationWorker(settings("w-swap"));
             PhysMasterClient client = PhysMasterClient.connect(clientSettings())) {
            Thread t = start(worker);
            publish(Topics.ENCODER_VERSIONS.name(), v2, EncoderVersion.newBuilder().setVersion(v2).setParent("stage1")
                    .setCheckpointUri(uri.toString()).setSha256(Sha256.hex(head)).setCreatedAt(Instant.now()).build());
            Thread.sleep(1500); // the follower thread sees it
            String r1 = client.submit(Submission.of(scenePng(3)).withSamples(1).withSteps(2));
            assertEquals(v2, client.awaitVideos(r1, 1, Duration.ofSeconds(90)).get(0).getEncoderVersion());

            String v3 = v2 + "-corrupt";
            byte[] corrupt = head.clone();
            corrupt[corrupt.length - 5] ^= 0x7f;
            URI bad = blobs.put("encoders/" + v3 + ".pmck", corrupt, "application/octet-stream");
            publish(Topics.ENCODER_VERSIONS.name(), v3, EncoderVersion.newBuilder().setVersion(v3).setParent(v2)
                    .setCheckpointUri(bad.toString()).setSha256(Sha256.hex(head)).setCreatedAt(Instant.now()).build());
            Thread.sleep(1500);
            String r2 = client.submit(Submission.of(scenePng(4)).withSamples(1).withSteps(2));
            assertEquals(v2, client.awaitVideos(r2, 1, Duration.ofSeconds(90)).get(0).getEncoderVersion(),
                    "the corrupt version is refused and the old one keeps serving");
            assertTrue(worker.metrics().scrape().contains("bad_checkpoint"));

            // Rollback: republishing the base version makes it current again.
            publish(Topics.ENCODER_VERSIONS.name(), "stage1", EncoderVersion.newBuilder().setVersion("stage1")
                    .setCheckpointUri(modelFile.toUri().toString()).setSha256("base").setCreatedAt(Instant.now()).build());
            Thread.sleep(1500);
            String r3 = client.submit(Submission.of(scenePng(5)).withSamples(1).withSteps(2));
            assertEquals("stage1", client.awaitVideos(r3, 1, Duration.ofSeconds(90)).get(0).getEncoderVersion());
            worker.stop();
            t.join(30_000);
        }
    }

    @Test
    void twoWorkersOneKilledMidRunNoRequestIsLost() throws Exception {
        GenerationWorker a = new GenerationWorker(settings("w-a"));
        GenerationWorker b = new GenerationWorker(settings("w-b"));
        try (PhysMasterClient client = PhysMasterClient.connect(clientSettings())) {
            Thread ta = start(a);
            Thread tb = start(b);
            Thread.sleep(3000); // both join the group
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                ids.add(client.submit(Submission.of(scenePng(i % 6)).withSamples(1).withSteps(6)));
            }
            // Kill worker a as soon as anything came out, mid-run.
            client.awaitVideos(ids.get(0), 1, Duration.ofSeconds(90));
            a.halt();
            ta.join(60_000);
            for (String id : ids) {
                assertEquals(1, client.awaitVideos(id, 1, Duration.ofSeconds(120)).size(), "request " + id);
            }
            b.stop();
            tb.join(30_000);
        } finally {
            a.close();
            b.close();
        }
    }
}
