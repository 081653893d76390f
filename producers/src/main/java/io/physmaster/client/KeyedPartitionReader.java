package io.physmaster.client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Reads the one partition a key lives on (the default partitioner's murmur2 hash), from a point in time, with
 * no consumer group: a client waiting for its own request's records reads only what it must and commits
 * nothing.
 */
final class KeyedPartitionReader implements AutoCloseable {

    private final KafkaConsumer<String, byte[]> consumer;
    private final String topic;

    /** @param kafka bootstrap servers and security of the client (see ConnectionSettings#kafka) */
    KeyedPartitionReader(Properties kafka, String topic) {
        Properties p = new Properties();
        p.putAll(kafka);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(p);
        this.topic = topic;
    }

    /** Partition of a key under Kafka's default partitioner. */
    static int partitionOf(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** Positions on the key's partition at the first record at or after {@code from}. */
    void seek(String key, Instant from) {
        int partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).size();
        TopicPartition tp = new TopicPartition(topic, partitionOf(key, partitions));
        consumer.assign(List.of(tp));
        Map<TopicPartition, OffsetAndTimestamp> at = consumer.offsetsForTimes(Map.of(tp, from.toEpochMilli()));
        OffsetAndTimestamp o = at.get(tp);
        if (o == null) {
            consumer.seekToEnd(List.of(tp));
        } else {
            consumer.seek(tp, o.offset());
        }
    }

    /** Positions on every partition at the first record at or after {@code from}. */
    void seekAll(Instant from) {
        List<TopicPartition> tps = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(pi -> new TopicPartition(topic, pi.partition())).toList();
        consumer.assign(tps);
        var query = new java.util.HashMap<TopicPartition, Long>();
        tps.forEach(tp -> query.put(tp, from.toEpochMilli()));
        Map<TopicPartition, OffsetAndTimestamp> at = consumer.offsetsForTimes(query);
        for (TopicPartition tp : tps) {
            OffsetAndTimestamp o = at.get(tp);
            if (o == null) {
                consumer.seekToEnd(List.of(tp));
            } else {
                consumer.seek(tp, o.offset());
            }
        }
    }

    /** Feeds records to {@code sink} until it returns false or the deadline passes; false on timeout. */
    boolean read(Predicate<ConsumerRecord<String, byte[]>> sink, Instant deadline) {
        while (Instant.now().isBefore(deadline)) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (!sink.test(r)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Feeds every record up to the partitions' current ends to {@code sink}; false if the deadline passed. */
    boolean readToEnd(java.util.function.Consumer<ConsumerRecord<String, byte[]>> sink, Instant deadline) {
        var ends = consumer.endOffsets(consumer.assignment());
        while (Instant.now().isBefore(deadline)) {
            if (ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                return true;
            }
            consumer.poll(Duration.ofMillis(200)).forEach(sink);
        }
        return false;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
