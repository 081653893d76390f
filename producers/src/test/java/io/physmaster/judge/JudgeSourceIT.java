package io.physmaster.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.blob.LocalBlobStore;
import io.physmaster.client.ClientSettings;
import io.physmaster.role.MetricsEndpoint;
import io.physmaster.role.MetricsScrape;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.PreferenceEvent;
import io.physmaster.schemas.PreferenceSource;
import io.physmaster.serde.AvroSerializer;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Split;
import io.physmaster.sim.io.ClipFile;
import io.physmaster.sim.judge.PhysicsJudge;
import io.physmaster.stack.LocalStack;
import io.physmaster.stack.LocalStackExtension;
import io.physmaster.topics.Topics;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The judge source on the real broker: two stored videos of one scene in, a JUDGE preference out. */
@ExtendWith(LocalStackExtension.class)
class JudgeSourceIT {

    @TempDir
    Path dir;

    @Test
    void prefersTheVideoThatMovesLikeTheSimulator() throws Exception {
        LocalStack stack = LocalStackExtension.stack();
        LocalBlobStore blobs = new LocalBlobStore(dir.resolve("blobs"));
        RenderedClip truth = ProxyTask.render(ProxyTask.scene(Split.SEEN_TEST, 7), ClipSpec.MODEL);
        float[] frozen = new float[truth.video().length];
        int f = 3 * 32 * 32;
        for (int t = 0; t < truth.frames(); t++) {
            System.arraycopy(truth.video(), 0, frozen, t * f, f);
        }
        String request = "judge-it-" + UUID.randomUUID();
        AvroSerializer<SpecificRecord> ser = new AvroSerializer<>();
        ser.configure(new HashMap<>(stack.clientConfigs()), false);
        try (KafkaProducer<String, SpecificRecord> p = new KafkaProducer<>(Map.of("bootstrap.servers",
                stack.bootstrapServers()), new StringSerializer(), ser)) {
            List<float[]> videos = List.of(frozen, truth.video()); // sample 0 frozen, sample 1 physical
            for (int i = 0; i < 2; i++) {
                URI raw = blobs.put("v/" + request + "/" + i + ".pmv", ClipFile.encode(new ClipFile.Contents(
                        "seen:7", 16, 32, 32, 10, videos.get(i), null, null)), "application/octet-stream");
                p.send(new ProducerRecord<>(Topics.GENERATED_VIDEOS.name(), request, GeneratedVideo.newBuilder()
                        .setRequestId(request).setSampleIndex(i).setSeed(i).setVideoUri(raw.toString())
                        .setFormat("pmv").setFrames(16).setWidth(32).setHeight(32).setSha256("x")
                        .setEncoderVersion("stage1").setModelVersion("m").setLatencyMs(1).setSceneId("seen:7")
                        .setRawUri(raw.toString()).setCreatedAt(Instant.now()).build())).get();
            }
        }
        ClientSettings settings = new ClientSettings(stack.connection(dir.resolve("blobs")), Duration.ofSeconds(20));
        try (MetricsEndpoint metrics = MetricsEndpoint.start("judge", MetricsEndpoint.DEFAULT_HOST, 0);
             JudgeSource judge = new JudgeSource(settings, "judge-it-" + UUID.randomUUID(), 2, Duration.ofSeconds(5),
                0.01, new JudgeMetrics(metrics.registry()))) {
            Thread t = new Thread(judge, "judge");
            t.start();
            PreferenceEvent e = io.physmaster.client.TopicRecords.withKey(stack, Topics.PREFERENCE_EVENTS.name(), PreferenceEvent.class, request, Duration.ofSeconds(60)).get(0);
            assertEquals(1, e.getPreferredSample());
            assertEquals(0, e.getRejectedSample());
            assertEquals(PreferenceSource.JUDGE, e.getSource());
            assertEquals(PhysicsJudge.ID, e.getAnnotator());
            assertTrue(e.getConfidence() > 0.5f);
            String text = MetricsScrape.awaitAtLeast(metrics.port(), "physmaster_judge_preferences_total", 1);
            assertEquals(1.0, MetricsScrape.sum(text, "physmaster_judge_preferences_total"), text);
            assertEquals(1.0, MetricsScrape.sum(text, "physmaster_judge_requests_judged_total"), text);
            assertEquals(2.0, MetricsScrape.sum(text, "physmaster_judge_videos_judged_total"), text);
            assertEquals(1.0, MetricsScrape.sum(text, "physmaster_judge_margin_count"), text);
            assertTrue(MetricsScrape.sum(text, "physmaster_judge_margin_sum") >= 0.01, "margin at least the minimum");
            judge.stop();
            t.join(10_000);
        }
    }
}
