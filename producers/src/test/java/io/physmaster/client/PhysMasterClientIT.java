package io.physmaster.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.blob.LocalBlobStore;
import io.physmaster.blob.Sha256;
import io.physmaster.requests.InvalidRequestException;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.GenerationRequest;
import io.physmaster.schemas.PreferenceEvent;
import io.physmaster.schemas.PreferenceSource;
import io.physmaster.serde.AvroDeserializer;
import io.physmaster.serde.AvroSerializer;
import io.physmaster.stack.LocalStack;
import io.physmaster.stack.LocalStackExtension;
import io.physmaster.topics.Topics;
import java.awt.image.BufferedImage;
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
import java.util.Properties;
import java.util.Random;
import javax.imageio.ImageIO;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The client library against the real broker and registry. */
@ExtendWith(LocalStackExtension.class)
class PhysMasterClientIT {

    @TempDir
    Path dir;

    ClientSettings settings() {
        LocalStack s = LocalStackExtension.stack();
        return new ClientSettings(s.connection(dir.resolve("blobs")), Duration.ofSeconds(20));
    }

    static byte[] png(int w, int h, boolean noisy) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(1);
        for (int y = 0; y < h && noisy; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextInt());
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    <T> List<T> readAll(String topic, Class<T> type, String key) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalStackExtension.stack().bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "client-it-" + System.nanoTime());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        AvroDeserializer<T> de = new AvroDeserializer<>(type);
        de.configure(new HashMap<>(LocalStackExtension.stack().clientConfigs()), false);
        List<T> out = new ArrayList<>();
        try (KafkaConsumer<String, T> c = new KafkaConsumer<>(p, new StringDeserializer(), de)) {
            c.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 15_000;
            while (System.currentTimeMillis() < deadline && out.isEmpty()) {
                c.poll(Duration.ofMillis(300)).forEach(r -> {
                    if (key.equals(r.key())) {
                        out.add(r.value());
                    }
                });
            }
        }
        return out;
    }

    void publish(String topic, String key, SpecificRecord value) throws Exception {
        AvroSerializer<SpecificRecord> ser = new AvroSerializer<>();
        ser.configure(new HashMap<>(LocalStackExtension.stack().clientConfigs()), false);
        try (KafkaProducer<String, SpecificRecord> p = new KafkaProducer<>(
                Map.of("bootstrap.servers", LocalStackExtension.stack().bootstrapServers()), new StringSerializer(), ser)) {
            p.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    @Test
    void submitPublishesAValidatedRequest() throws Exception {
        try (PhysMasterClient client = PhysMasterClient.connect(settings())) {
            byte[] image = png(32, 32, false);
            String id = client.submit(Submission.of(image).withSamples(3).withSeed(7).withSceneId("seen_test:1"));
            List<GenerationRequest> got = readAll(Topics.GENERATION_REQUESTS.name(), GenerationRequest.class, id);
            assertEquals(1, got.size());
            GenerationRequest r = got.get(0);
            assertEquals(3, r.getNumSamples());
            assertEquals(7, r.getSeed());
            assertEquals("seen_test:1", r.getSceneId());
            byte[] inline = new byte[r.getFirstFrameInline().remaining()];
            r.getFirstFrameInline().get(inline);
            assertArrayEquals(image, inline);
        }
    }

    @Test
    void largeFramesGoByClaimCheck() throws Exception {
        try (PhysMasterClient client = PhysMasterClient.connect(settings())) {
            byte[] image = png(512, 512, true); // noise does not compress: ~770 KB > 256 KiB inline limit
            String id = client.submit(Submission.of(image));
            GenerationRequest r = readAll(Topics.GENERATION_REQUESTS.name(), GenerationRequest.class, id).get(0);
            assertNotNull(r.getFirstFrameUri());
            assertArrayEquals(image, Files.readAllBytes(Path.of(URI.create(r.getFirstFrameUri()))));
        }
    }

    @Test
    void badInputIsRefusedBeforePublishing() throws Exception {
        try (PhysMasterClient client = PhysMasterClient.connect(settings())) {
            var e = assertThrows(InvalidRequestException.class,
                    () -> client.submit(Submission.of("not an image".getBytes())));
            assertTrue(e.getMessage().contains("not a PNG or JPEG"), e.getMessage());
            assertThrows(InvalidRequestException.class,
                    () -> client.submit(Submission.of(png(8, 8, false)).withFrames(500)));
            var unknown = assertThrows(InvalidRequestException.class, () -> client.prefer("no-such-request", 0, 1,
                    PreferenceSource.HUMAN, "ann", 1f, Duration.ofSeconds(2)));
            assertTrue(unknown.getMessage().contains("unknown request"), unknown.getMessage());
            assertThrows(InvalidRequestException.class, () -> client.prefer("r", 1, 1,
                    PreferenceSource.HUMAN, "ann", 1f, Duration.ofSeconds(1)));
        }
    }

    @Test
    void badIdsAreRefusedBeforeAnythingIsStoredOrPublished() throws Exception {
        try (PhysMasterClient client = PhysMasterClient.connect(settings())) {
            byte[] large = png(512, 512, true); // would go by claim check: stored first, then referenced
            var e = assertThrows(InvalidRequestException.class,
                    () -> client.submit(Submission.of(large).withSceneId("../../etc")));
            assertTrue(e.getMessage().startsWith("sceneId must be"), e.getMessage());
            assertFalse(e.getMessage().contains("etc"), "the value is not echoed: " + e.getMessage());
            assertFalse(Files.exists(dir.resolve("blobs").resolve("first-frames")), "no first frame was stored");
            var v = assertThrows(InvalidRequestException.class,
                    () -> client.submit(Submission.of(png(8, 8, false)).withEncoderVersion("v/" + "x".repeat(100))));
            assertTrue(v.getMessage().startsWith("encoderVersion must be"), v.getMessage());
        }
    }

    @Test
    void awaitsDownloadsAndPrefersFinishedVideos() throws Exception {
        LocalBlobStore store = new LocalBlobStore(dir.resolve("blobs"));
        try (PhysMasterClient client = PhysMasterClient.connect(settings())) {
            String id = client.submit(Submission.of(png(32, 32, false)).withSamples(2));
            // What a worker does for each sample: store the file, publish a GeneratedVideo.
            for (int i = 0; i < 2; i++) {
                byte[] video = ("video " + i).getBytes();
                URI uri = store.put("videos/" + id + "/" + i + ".mp4", video, "video/mp4");
                publish(Topics.GENERATED_VIDEOS.name(), id, GeneratedVideo.newBuilder().setRequestId(id)
                        .setSampleIndex(i).setSeed(i).setVideoUri(uri.toString()).setFormat("mp4").setFrames(16)
                        .setWidth(32).setHeight(32).setSha256(Sha256.hex(video)).setEncoderVersion("stage1")
                        .setModelVersion("m").setLatencyMs(5).setCreatedAt(Instant.now()).build());
            }
            List<GeneratedVideo> videos = client.awaitVideos(id, 2, Duration.ofSeconds(20));
            assertEquals(List.of(0, 1), videos.stream().map(GeneratedVideo::getSampleIndex).toList());
            Path saved = client.download(videos.get(1), dir.resolve("out"));
            assertEquals("video 1", Files.readString(saved));

            String eventId = client.prefer(id, 1, 0, PreferenceSource.HUMAN, "ann", 0.9f, Duration.ofSeconds(10));
            PreferenceEvent e = readAll(Topics.PREFERENCE_EVENTS.name(), PreferenceEvent.class, id).get(0);
            assertEquals(eventId, e.getEventId());
            assertEquals(1, e.getPreferredSample());
            assertEquals(0, e.getRejectedSample());
        }
    }

    @Test
    void corruptDownloadIsRefused() throws Exception {
        LocalBlobStore store = new LocalBlobStore(dir.resolve("blobs"));
        URI uri = store.put("videos/x/0.mp4", "tampered".getBytes(), "video/mp4");
        GeneratedVideo v = GeneratedVideo.newBuilder().setRequestId("x").setSampleIndex(0).setSeed(0)
                .setVideoUri(uri.toString()).setFormat("mp4").setFrames(16).setWidth(32).setHeight(32)
                .setSha256(Sha256.hex("original".getBytes())).setEncoderVersion("e").setModelVersion("m")
                .setLatencyMs(1).setCreatedAt(Instant.now()).build();
        try (PhysMasterClient client = PhysMasterClient.connect(settings())) {
            var e = assertThrows(java.io.IOException.class, () -> client.download(v, dir.resolve("out")));
            assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
        }
    }

    @Test
    void listsEncoderVersionsAndRollsBack() throws Exception {
        for (String v : List.of("it-v1", "it-v2")) {
            publish(Topics.ENCODER_VERSIONS.name(), v, EncoderVersion.newBuilder().setVersion(v)
                    .setCheckpointUri("file:/c/" + v).setSha256("s").setCreatedAt(Instant.now()).build());
        }
        try (PhysMasterClient client = PhysMasterClient.connect(settings())) {
            List<EncoderVersion> before = client.encoderVersions(Duration.ofSeconds(15));
            assertEquals("it-v2", before.get(before.size() - 1).getVersion());
            client.rollback("it-v1", Duration.ofSeconds(15));
            List<EncoderVersion> after = client.encoderVersions(Duration.ofSeconds(15));
            assertEquals("it-v1", after.get(after.size() - 1).getVersion(), "republished version is served");
            assertThrows(InvalidRequestException.class, () -> client.rollback("never", Duration.ofSeconds(5)));
        }
    }
}
