package io.physmaster.annotate;

import io.physmaster.schemas.EncoderVersion;
import io.physmaster.serde.AvroSerializer;
import io.physmaster.stack.LocalStack;
import io.physmaster.topics.DeadLetters;
import io.physmaster.topics.Topics;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Test helper: real encoder versions, dead letters and consumer-group commits for the dashboard to show. */
final class DashboardRecords {

    /** A version as the trainer publishes it: gate figures with intervals, training figures, batches. */
    static EncoderVersion version(String id, String parent, double change, double low, double high, double score) {
        Map<String, Double> gate = new LinkedHashMap<>();
        gate.put("candidate_score", score);
        gate.put("change_vs_anchor", change);
        gate.put("change_vs_anchor_low", low);
        gate.put("change_vs_anchor_high", high);
        gate.put("gate_scenes", 8.0);
        return EncoderVersion.newBuilder().setVersion(id).setParent(parent).setCheckpointUri("file:/x/" + id)
                .setSha256("0".repeat(64)).setEvaluationFigures(gate)
                .setTrainingFigures(Map.of("dpo_loss", 0.69, "pairs", 32.0)).setBatchIds(List.of("b-" + id))
                .setCreatedAt(Instant.now()).build();
    }

    static void publish(LocalStack stack, String topic, String key, SpecificRecord... values) throws Exception {
        AvroSerializer<SpecificRecord> ser = new AvroSerializer<>();
        ser.configure(new HashMap<>(stack.clientConfigs()), false);
        try (KafkaProducer<String, SpecificRecord> p = new KafkaProducer<>(Map.of("bootstrap.servers",
                stack.bootstrapServers()), new StringSerializer(), ser)) {
            for (SpecificRecord v : values) {
                String k = key != null ? key : ((EncoderVersion) v).getVersion();
                p.send(new ProducerRecord<>(topic, k, v)).get();
            }
        }
    }

    static void versions(LocalStack stack, EncoderVersion... versions) throws Exception {
        publish(stack, Topics.ENCODER_VERSIONS.name(), null, versions);
    }

    static void deadLetter(LocalStack stack, String component, String reason) throws Exception {
        publish(stack, Topics.DEAD_LETTERS.name(), "k", DeadLetters.of(component,
                Topics.GENERATION_REQUESTS.name(), 0, 1, "k", new byte[] {1, 2, 3}, reason, "TestError"));
    }

    /**
     * Commits offsets for {@code group} on every partition of {@code topic}: at 0, or at the end offsets (what a
     * consumer that read everything commits). Returns the end offsets' sum.
     */
    static long commit(LocalStack stack, String group, String topic, boolean atEnd) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            end.forEach((tp, e) -> offsets.put(tp, new OffsetAndMetadata(atEnd ? e : 0)));
            c.commitSync(offsets);
            return end.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private DashboardRecords() {
    }
}
