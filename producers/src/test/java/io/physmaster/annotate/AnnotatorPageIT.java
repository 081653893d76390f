package io.physmaster.annotate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.physmaster.blob.LocalBlobStore;
import io.physmaster.client.ClientSettings;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.PreferenceEvent;
import io.physmaster.schemas.PreferenceSource;
import io.physmaster.serde.AvroSerializer;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Split;
import io.physmaster.sim.io.ClipFile;
import io.physmaster.stack.LocalStack;
import io.physmaster.stack.LocalStackExtension;
import io.physmaster.topics.Topics;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The annotator page end to end in real headless Chromium: a click becomes a PreferenceEvent on Kafka. */
@ExtendWith(LocalStackExtension.class)
class AnnotatorPageIT {

    @TempDir
    Path dir;

    @Test
    void clickingAChoicePublishesAHumanPreference() throws Exception {
        LocalStack stack = LocalStackExtension.stack();
        LocalBlobStore blobs = new LocalBlobStore(dir.resolve("blobs"));
        RenderedClip truth = ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, 11), ClipSpec.MODEL);
        String request = "annotate-it-" + UUID.randomUUID();
        AvroSerializer<SpecificRecord> ser = new AvroSerializer<>();
        ser.configure(new HashMap<>(stack.clientConfigs()), false);
        try (KafkaProducer<String, SpecificRecord> p = new KafkaProducer<>(Map.of("bootstrap.servers",
                stack.bootstrapServers()), new StringSerializer(), ser)) {
            for (int i = 0; i < 2; i++) {
                URI raw = blobs.put("v/" + request + "/" + i + ".pmv", ClipFile.encode(new ClipFile.Contents(
                        "seen:11", 16, 32, 32, 10, truth.video(), null, null)), "application/octet-stream");
                p.send(new ProducerRecord<>(Topics.GENERATED_VIDEOS.name(), request, GeneratedVideo.newBuilder()
                        .setRequestId(request).setSampleIndex(i).setSeed(i).setVideoUri(raw.toString())
                        .setFormat("pmv").setFrames(16).setWidth(32).setHeight(32).setSha256("x")
                        .setEncoderVersion("stage1").setModelVersion("m").setLatencyMs(1).setSceneId("seen:11")
                        .setRawUri(raw.toString()).setCreatedAt(Instant.now()).build())).get();
            }
        }
        ClientSettings settings = new ClientSettings(stack.connection(dir.resolve("blobs")), Duration.ofSeconds(20));
        try (AnnotatorServer server = new AnnotatorServer(settings, Map.of("s3cret", "tester"), 0);
             HeadlessChromium chrome = new HeadlessChromium("http://127.0.0.1:" + server.port() + "/?token=s3cret")) {
            // Other tests in this JVM may have left pairs; skip until ours is shown.
            JsonNode shown = null;
            for (int i = 0; i < 10; i++) {
                chrome.waitFor("current && document.getElementById('leftVideo').complete && current.requestId",
                        Duration.ofSeconds(60));
                shown = new ObjectMapper().readTree(chrome.eval("JSON.stringify(current)").asText());
                if (shown.get("requestId").asText().equals(request)) {
                    break;
                }
                chrome.eval("document.getElementById('skip').click()");
                chrome.waitFor("current === null || current.requestId !== '" + shown.get("requestId").asText() + "'",
                        Duration.ofSeconds(30));
            }
            assertEquals(request, shown.get("requestId").asText());
            chrome.waitFor("['first', 'leftVideo', 'rightVideo'].every(id => document.getElementById(id).complete"
                    + " && document.getElementById(id).naturalWidth > 0)", Duration.ofSeconds(30));
            byte[] png = chrome.screenshotPng();
            Path shot = Path.of(System.getProperty("physmaster.root", ".")).resolve("docs/annotator.png");
            Files.createDirectories(shot.getParent());
            Files.write(shot, png);
            chrome.eval("document.getElementById('left').click()");
            chrome.waitFor("window.lastMessage && window.lastMessage.startsWith('Thanks')", Duration.ofSeconds(30));

            PreferenceEvent e = io.physmaster.client.TopicRecords.withKey(stack, Topics.PREFERENCE_EVENTS.name(), PreferenceEvent.class, request, Duration.ofSeconds(30)).get(0);
            assertEquals(shown.get("left").get("sample").asInt(), e.getPreferredSample());
            assertEquals(shown.get("right").get("sample").asInt(), e.getRejectedSample());
            assertEquals(PreferenceSource.HUMAN, e.getSource());
            assertEquals("tester", e.getAnnotator());
            assertTrue(png.length > 1000, "screenshot");
        }
    }
}
