package io.physmaster.worker;

import static io.physmaster.worker.WorkerItKit.publish;
import static io.physmaster.worker.WorkerItKit.rawProducer;
import static io.physmaster.worker.WorkerItKit.read;
import static io.physmaster.worker.WorkerItKit.scenePng;
import static io.physmaster.worker.WorkerItKit.start;
import static io.physmaster.worker.WorkerItKit.startWorkerProcess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import io.physmaster.model.ModelRuntime;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.role.MetricsScrape;
import io.physmaster.schemas.DeadLetter;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.GenerationProgress;
import io.physmaster.schemas.GenerationRequest;
import io.physmaster.schemas.GenerationState;
import io.physmaster.sim.io.ClipFile;
import io.physmaster.stack.LocalStack;
import io.physmaster.stack.LocalStackExtension;
import io.physmaster.topics.Topics;
import io.physmaster.versions.TrainerKeys;
import io.physmaster.versions.VersionSignatures;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
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

    static List<DeadLetter> deadLetters(String key, Duration timeout) {
        return read(Topics.DEAD_LETTERS.name(), DeadLetter.class, Set.of(key), 1, timeout, Duration.ZERO);
    }

    @Test
    void requestsInVideosOutWithFilesAndChecksums() throws Exception {
        try (GenerationWorker worker = new GenerationWorker(settings("w-basic").withMetricsPort(0));
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
            String text = MetricsScrape.awaitAtLeast(worker.metrics().port(), "physmaster_requests_total", 2);
            assertEquals(4.0, MetricsScrape.sum(text, "physmaster_videos_total", "role=\"worker\"",
                    "worker=\"w-basic\""), text);
            assertEquals(2.0, MetricsScrape.sum(text, "physmaster_requests_total"), text);
            assertEquals(2.0, MetricsScrape.sum(text, "physmaster_request_latency_seconds_count"), text);
            assertTrue(MetricsScrape.sum(text, "process_resident_memory_bytes") > 0, text);
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

    /** Signed with the stack's trainer key, as the trainer would (the key is created on first use). */
    static EncoderVersion signed(EncoderVersion v) throws java.io.IOException {
        TrainerKeys.Loaded k = TrainerKeys.loadOrCreate(LocalStackExtension.stack().trainerKeyFile());
        return VersionSignatures.sign(v, k.pair().getPrivate(), k.pair().getPublic());
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
            EncoderVersion signedV2 = signed(EncoderVersion.newBuilder().setVersion(v2).setParent("stage1")
                    .setCheckpointUri(uri.toString()).setSha256(Sha256.hex(head)).setCreatedAt(Instant.now()).build());
            publish(Topics.ENCODER_VERSIONS.name(), v2, signedV2);
            Thread.sleep(1500); // the follower thread sees it
            String r1 = client.submit(Submission.of(scenePng(3)).withSamples(1).withSteps(2));
            assertEquals(v2, client.awaitVideos(r1, 1, Duration.ofSeconds(90)).get(0).getEncoderVersion());

            // Forged: other weights with their own valid SHA-256, under v2's signature, then signed by another
            // key, then unsigned. Each is refused and v2 keeps serving; a request pinned to one is dead-lettered.
            byte[] other = head.clone();
            other[other.length - 5] ^= 0x7f;
            URI evil = blobs.put("encoders/" + v2 + "-forged.pmck", other, "application/octet-stream");
            TrainerKeys.Loaded attacker = TrainerKeys.loadOrCreate(dir.resolve("attacker.key"));
            String forged = v2 + "-forged";
            EncoderVersion content = EncoderVersion.newBuilder(signedV2).setVersion(forged).setParent(v2)
                    .setCheckpointUri(evil.toString()).setSha256(Sha256.hex(other)).build();
            for (EncoderVersion f : List.of(content,
                    VersionSignatures.sign(content, attacker.pair().getPrivate(), attacker.pair().getPublic()),
                    EncoderVersion.newBuilder(content).setSignature(null).setSignerKey(null).build())) {
                publish(Topics.ENCODER_VERSIONS.name(), forged, f);
            }
            Thread.sleep(1500);
            String r1b = client.submit(Submission.of(scenePng(6)).withSamples(1).withSteps(2));
            assertEquals(v2, client.awaitVideos(r1b, 1, Duration.ofSeconds(90)).get(0).getEncoderVersion(),
                    "forged versions are refused and the signed one keeps serving");
            String pinned = client.submit(Submission.of(scenePng(7)).withSamples(1).withSteps(2)
                    .withEncoderVersion(forged));
            assertTrue(deadLetters(pinned, Duration.ofSeconds(60)).get(0).getReason().contains(forged));

            String v3 = v2 + "-corrupt";
            byte[] corrupt = head.clone();
            corrupt[corrupt.length - 5] ^= 0x7f;
            URI bad = blobs.put("encoders/" + v3 + ".pmck", corrupt, "application/octet-stream");
            publish(Topics.ENCODER_VERSIONS.name(), v3, signed(EncoderVersion.newBuilder().setVersion(v3).setParent(v2)
                    .setCheckpointUri(bad.toString()).setSha256(Sha256.hex(head)).setCreatedAt(Instant.now()).build()));
            Thread.sleep(1500);
            String r2 = client.submit(Submission.of(scenePng(4)).withSamples(1).withSteps(2));
            assertEquals(v2, client.awaitVideos(r2, 1, Duration.ofSeconds(90)).get(0).getEncoderVersion(),
                    "the corrupt version is refused and the old one keeps serving");
            assertTrue(worker.metrics().scrape().contains("bad_checkpoint"));

            // Rollback: republishing the base version makes it current again.
            publish(Topics.ENCODER_VERSIONS.name(), "stage1", signed(EncoderVersion.newBuilder().setVersion("stage1")
                    .setCheckpointUri(modelFile.toUri().toString()).setSha256("base").setCreatedAt(Instant.now())
                    .build()));
            Thread.sleep(1500);
            String r3 = client.submit(Submission.of(scenePng(5)).withSamples(1).withSteps(2));
            assertEquals("stage1", client.awaitVideos(r3, 1, Duration.ofSeconds(90)).get(0).getEncoderVersion());
            worker.stop();
            t.join(30_000);
        }
    }

    @Test
    void aRequestIdThatWouldEscapeTheBlobStoreIsDeadLetteredAndTheRestOfItsPollGoesOn() throws Exception {
        String badId = "../../x";
        String goodId = "good-" + UUID.randomUUID();
        byte[] frame = scenePng(1);
        // Produced raw, past the client's checks, and to one partition so that one poll holds both.
        try (KafkaProducer<String, SpecificRecord> p = rawProducer()) {
            for (String id : List.of(badId, goodId)) {
                p.send(new ProducerRecord<>(Topics.GENERATION_REQUESTS.name(), 0, id, GenerationRequest.newBuilder()
                        .setRequestId(id).setFirstFrameInline(ByteBuffer.wrap(frame)).setNumSamples(2).setSteps(2)
                        .setSubmittedAt(Instant.now()).build()));
            }
            p.flush();
        }
        try (GenerationWorker worker = new GenerationWorker(settings("w-escape"));
             PhysMasterClient client = PhysMasterClient.connect(clientSettings())) {
            Thread t = start(worker);
            assertEquals(2, client.awaitVideos(goodId, 2, Duration.ofSeconds(90)).size());
            List<GeneratedVideo> all = read(Topics.GENERATED_VIDEOS.name(), GeneratedVideo.class, Set.of(goodId), 2,
                    Duration.ofSeconds(30), Duration.ofSeconds(6));
            assertEquals(2, all.size(), "each video of the good request is published once, not once per retry");

            List<DeadLetter> dead = read(Topics.DEAD_LETTERS.name(), DeadLetter.class, Set.of(badId), 1,
                    Duration.ofSeconds(30), Duration.ofSeconds(3));
            assertEquals(1, dead.size(), "exactly one dead letter");
            String reason = dead.get(0).getReason();
            assertTrue(reason.startsWith("requestId must be"), reason);
            assertFalse(reason.contains("../"), "the reason does not echo the id: " + reason);
            assertNotNull(dead.get(0).getValue(), "the raw bytes are kept for inspection");
            List<GenerationProgress> progress = read(Topics.GENERATION_PROGRESS.name(), GenerationProgress.class,
                    Set.of(badId), 1, Duration.ofSeconds(30), Duration.ZERO);
            assertEquals(GenerationState.FAILED, progress.get(0).getState());
            assertFalse(Files.exists(dir.resolve("x")), "nothing was written outside the blob store");
            worker.stop();
            t.join(30_000);
        }
    }

    @Test
    void storageThatKeepsFailingEndsInADeadLetterNotALoop() throws Exception {
        // A file where the videos folder should be: every store fails with an IOException, as if the store were
        // unavailable, which is not the request's fault and is retried, but only so many times.
        Path broken = Files.createDirectories(dir.resolve("blobs-broken"));
        Files.writeString(broken.resolve("videos"), "not a folder");
        WorkerSettings s = settings("w-broken").withConnection(LocalStackExtension.stack().connection(broken));
        try (GenerationWorker worker = new GenerationWorker(s);
             PhysMasterClient client = PhysMasterClient.connect(clientSettings())) {
            Thread t = start(worker);
            String id = client.submit(Submission.of(scenePng(2)).withSamples(1).withSteps(2));
            // 15 s of pauses and five short attempts; generous for a loaded machine.
            List<DeadLetter> dead = read(Topics.DEAD_LETTERS.name(), DeadLetter.class, Set.of(id), 1,
                    Duration.ofSeconds(240), Duration.ofSeconds(3));
            assertEquals(1, dead.size(), "one dead letter once the attempts are used up");
            String reason = dead.get(0).getReason();
            assertTrue(reason.startsWith("gave up after " + PollRetries.MAX_ATTEMPTS + " attempts: storing a video"),
                    reason);
            assertTrue(worker.metrics().scrape().contains("retries_exhausted"));

            Files.delete(broken.resolve("videos")); // the store is back: the worker goes on
            String next = client.submit(Submission.of(scenePng(3)).withSamples(1).withSteps(2));
            assertEquals(1, client.awaitVideos(next, 1, Duration.ofSeconds(90)).size());
            worker.stop();
            t.join(30_000);
        }
    }

    @Test
    void twoWorkersOneKilledMidRunNoRequestIsLost() throws Exception {
        Path log = dir.resolve("w-a.log");
        Process a = startWorkerProcess("w-a", log, dir.resolve("blobs"), modelFile);
        GenerationWorker b = new GenerationWorker(settings("w-b"));
        Thread tb = start(b);
        try (PhysMasterClient client = PhysMasterClient.connect(clientSettings())) {
            Thread.sleep(3000); // both join the group
            Instant from = Instant.now();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                ids.add(client.submit(Submission.of(scenePng(i % 6)).withSamples(2).withSteps(6)));
            }
            // SIGKILL worker a as soon as it has published a video: the rest of its poll is neither stored nor
            // committed, so worker b redoes it, and the redo's numerics differ from a's.
            AtomicBoolean killed = new AtomicBoolean();
            client.followVideos(from, v -> {
                if ("w-a".equals(v.getWorkerId())) {
                    a.destroyForcibly();
                    killed.set(true);
                    return false;
                }
                return true;
            }, Duration.ofSeconds(120));
            assertTrue(killed.get(), "worker a published nothing to kill it after:\n" + Files.readString(log));
            assertTrue(a.waitFor(30, TimeUnit.SECONDS));

            for (String id : ids) {
                assertEquals(2, client.awaitVideos(id, 2, Duration.ofSeconds(120)).size(), "request " + id);
            }
            // Every record, the killed worker's included, still points at exactly the bytes it names.
            LocalBlobStore blobs = new LocalBlobStore(dir.resolve("blobs"));
            List<GeneratedVideo> records = read(Topics.GENERATED_VIDEOS.name(), GeneratedVideo.class,
                    Set.copyOf(ids), 2 * ids.size(), Duration.ofSeconds(30), Duration.ofSeconds(3));
            assertTrue(records.stream().anyMatch(v -> "w-a".equals(v.getWorkerId())));
            for (GeneratedVideo v : records) {
                assertEquals(v.getSha256(), Sha256.hex(blobs.get(URI.create(v.getVideoUri()))),
                        v.getWorkerId() + " " + v.getRequestId() + "/" + v.getSampleIndex() + " at " + v.getVideoUri());
                assertTrue(blobs.exists(URI.create(v.getRawUri())));
            }
        } finally {
            a.destroyForcibly();
            b.stop();
            tb.join(30_000);
            b.close();
        }
    }
}
