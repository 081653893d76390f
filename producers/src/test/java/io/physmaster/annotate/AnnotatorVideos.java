package io.physmaster.annotate;

import io.physmaster.blob.LocalBlobStore;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.serde.AvroDeserializer;
import io.physmaster.serde.AvroSerializer;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Split;
import io.physmaster.sim.io.ClipFile;
import io.physmaster.stack.LocalStack;
import io.physmaster.topics.Topics;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Test helper: generated videos for the annotator to show, and every record of a key on a topic. */
final class AnnotatorVideos {

    /** Publishes two generated videos (samples 0 and 1) of a new request and returns its id. */
    static String publishPair(LocalStack stack, LocalBlobStore blobs) throws Exception {
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
        return request;
    }

    /** Every record with this key, read up to the topic's end offsets as they are now. */
    static <T> List<T> allWithKey(LocalStack stack, String topic, Class<T> type, String key) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        AvroDeserializer<T> de = new AvroDeserializer<>(type);
        de.configure(new HashMap<>(stack.clientConfigs()), false);
        List<T> out = new ArrayList<>();
        try (KafkaConsumer<String, T> c = new KafkaConsumer<>(p, new StringDeserializer(), de)) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.currentTimeMillis() + 30_000;
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end");
                }
                c.poll(Duration.ofMillis(300)).forEach(r -> {
                    if (key.equals(r.key())) {
                        out.add(r.value());
                    }
                });
            }
        }
        return out;
    }

    private AnnotatorVideos() {
    }
}
