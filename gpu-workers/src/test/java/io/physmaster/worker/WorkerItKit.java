package io.physmaster.worker;

import io.physmaster.serde.AvroDeserializer;
import io.physmaster.serde.AvroSerializer;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Renderer;
import io.physmaster.sim.Split;
import io.physmaster.stack.LocalStack;
import io.physmaster.stack.LocalStackExtension;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** What the worker integration tests share: first frames, raw publishing and reading, workers to start. */
final class WorkerItKit {

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
        try (KafkaProducer<String, SpecificRecord> p = rawProducer()) {
            p.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    /** A producer with our Avro serializer, for records that bypass the client's checks. */
    static KafkaProducer<String, SpecificRecord> rawProducer() {
        AvroSerializer<SpecificRecord> ser = new AvroSerializer<>();
        ser.configure(new HashMap<>(LocalStackExtension.stack().clientConfigs()), false);
        return new KafkaProducer<>(Map.of("bootstrap.servers", LocalStackExtension.stack().bootstrapServers()),
                new StringSerializer(), ser);
    }

    /**
     * Every record on the topic whose key is one of {@code keys}, from the start: read until at least
     * {@code atLeast} have come (or {@code timeout} passed), then for {@code settle} longer to catch any more.
     */
    static <T> List<T> read(String topic, Class<T> type, Set<String> keys, int atLeast, Duration timeout,
                            Duration settle) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalStackExtension.stack().bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        AvroDeserializer<T> de = new AvroDeserializer<>(type);
        de.configure(new HashMap<>(LocalStackExtension.stack().clientConfigs()), false);
        List<T> out = new ArrayList<>();
        try (KafkaConsumer<String, T> c = new KafkaConsumer<>(p, new StringDeserializer(), de)) {
            c.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + timeout.toMillis();
            long settleUntil = Long.MAX_VALUE;
            while (System.currentTimeMillis() < Math.min(deadline, settleUntil)) {
                c.poll(Duration.ofMillis(300)).forEach(r -> {
                    if (keys.contains(r.key())) {
                        out.add(r.value());
                    }
                });
                if (out.size() >= atLeast && settleUntil == Long.MAX_VALUE) {
                    settleUntil = System.currentTimeMillis() + settle.toMillis();
                }
            }
        }
        return out;
    }

    /**
     * A worker in its own JVM (the test classpath), so that it can really be killed; group "it-workers" and
     * batches of 4 as in the in-process workers. Returns once it is ready.
     */
    static Process startWorkerProcess(String id, Path log, Path blobs, Path model) throws Exception {
        LocalStack s = LocalStackExtension.stack();
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m", "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Dorg.slf4j.simpleLogger.log.io.physmaster=info",
                WorkerMain.class.getName(), "--bootstrap-servers", s.bootstrapServers(),
                "--registry", s.schemaRegistryUrl(), "--blob-store", blobs.toString(),
                "--model", model.toString(), "--worker-id", id, "--metrics-port", "-1")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("PHYSMASTER_WORKER_GROUP", "it-workers");
        pb.environment().put("PHYSMASTER_WORKER_MAX_BATCH", "4");
        Process p = pb.start();
        long deadline = System.currentTimeMillis() + 120_000;
        while (!(Files.exists(log) && Files.readString(log).contains("event=worker_ready"))) {
            if (!p.isAlive() || System.currentTimeMillis() > deadline) {
                p.destroyForcibly();
                throw new AssertionError("worker " + id + " did not start:\n" + Files.readString(log));
            }
            Thread.sleep(200);
        }
        return p;
    }

    private WorkerItKit() {
    }
}
