package io.physmaster.faults;

import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.GenerationRequest;
import io.physmaster.schemas.PreferenceEvent;
import io.physmaster.schemas.PreferenceSource;
import io.physmaster.serde.AvroSerializer;
import io.physmaster.serde.SchemaRegistryClient;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What the suite sends: our records through our serializer (Java's default partitioner), and raw bytes for
 * poison. Sends are asynchronous: with the broker down they wait in the producer until it is back.
 */
final class Records implements AutoCloseable {

    /** Frames and steps of the suite's requests: small, so the tiny model samples a video in well under a second. */
    static final int FRAMES = 8;
    static final int STEPS = 4;
    static final int SAMPLES = 2;

    private final KafkaProducer<String, SpecificRecord> avro;
    private final KafkaProducer<String, byte[]> raw;
    private final AvroSerializer<SpecificRecord> serializer;

    Records(String bootstrap, SchemaRegistryClient registry) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // Long enough to ride out the broker being down for the broker scenario.
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 180_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 180_000);
        this.serializer = new AvroSerializer<>(registry, false, true, false);
        this.avro = new KafkaProducer<>(p, new StringSerializer(), new AvroSerializer<>(registry, false, true, false));
        this.raw = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    Future<RecordMetadata> send(String topic, String key, SpecificRecord value) {
        return avro.send(new ProducerRecord<>(topic, key, value));
    }

    /** With a callback that hears the broker's answer (the acknowledgement or the final error). */
    Future<RecordMetadata> send(String topic, String key, SpecificRecord value, Callback answer) {
        return avro.send(new ProducerRecord<>(topic, key, value), answer);
    }

    Future<RecordMetadata> sendRaw(String topic, String key, byte[] value) {
        return raw.send(new ProducerRecord<>(topic, key, value));
    }

    /**
     * Poison: a real record of the topic's type cut after 3 bytes of its Avro body, as a crashed writer might
     * leave it. The framing (magic byte, registered schema id) is valid, so it gets past the header checks and
     * fails in the Avro decoder.
     */
    byte[] truncated(String topic, SpecificRecord valid) {
        return java.util.Arrays.copyOf(serializer.serialize(topic, valid), 5 + 3);
    }

    void flush() {
        avro.flush();
        raw.flush();
    }

    /** A request for {@link #SAMPLES} videos of a small first frame, sent inline. */
    static GenerationRequest request(String id, long seed) {
        return GenerationRequest.newBuilder().setRequestId(id).setFirstFrameInline(ByteBuffer.wrap(png(seed)))
                .setNumSamples(SAMPLES).setFrames(FRAMES).setSteps(STEPS).setGuidance(1f).setSeed(seed)
                .setSubmittedAt(Instant.now()).build();
    }

    /** A video record as a worker would publish it, for scenarios about the Streams app alone. */
    static GeneratedVideo video(String requestId, int sample) {
        String base = "file:/nonexistent/videos/" + requestId + "/" + sample;
        return GeneratedVideo.newBuilder().setRequestId(requestId).setSampleIndex(sample).setSeed(sample)
                .setVideoUri(base + ".mp4").setFormat("mp4").setFrames(FRAMES).setWidth(32).setHeight(32)
                .setSha256("0".repeat(64)).setEncoderVersion("stage1").setModelVersion("tiny.pmck").setLatencyMs(1)
                .setRawUri(base + ".pmv").setWorkerId("fault-suite").setCreatedAt(Instant.now()).build();
    }

    /** Sample 0 over sample 1, by {@code annotator}. */
    static PreferenceEvent preference(String requestId, String annotator) {
        return PreferenceEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setRequestId(requestId)
                .setPreferredSample(0).setRejectedSample(1).setSource(PreferenceSource.JUDGE).setAnnotator(annotator)
                .setConfidence(0.9f).setTime(Instant.now()).build();
    }

    static String id(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 13);
    }

    /** A 32x32 PNG: a coloured square on grey, placed by the seed. */
    static byte[] png(long seed) {
        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.GRAY);
        g.fillRect(0, 0, 32, 32);
        g.setColor(Color.getHSBColor((seed % 7) / 7f, 0.8f, 0.9f));
        g.fillRect((int) (seed % 20), 4, 8, 8);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @Override
    public void close() {
        avro.close(Duration.ofSeconds(5));
        raw.close(Duration.ofSeconds(5));
    }
}
