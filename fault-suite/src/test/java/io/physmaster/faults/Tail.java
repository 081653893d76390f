package io.physmaster.faults;

import io.physmaster.serde.AvroDeserializer;
import io.physmaster.serde.SchemaRegistryClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Everything committed to one topic since it was created, as the test's own consumer sees it (no group, every
 * partition, read_committed). Values are decoded with our Avro deserializer; ones that are not ours stay null.
 */
final class Tail<T> implements AutoCloseable {

    /** One record as read. */
    record Rec<T>(String key, T value, int partition, long offset, long timestamp) {
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroDeserializer<T> decoder;
    private final String topic;
    private final List<TopicPartition> partitions;
    private final List<Rec<T>> records = new ArrayList<>();

    Tail(String bootstrap, SchemaRegistryClient registry, String topic, Class<T> type) {
        this.topic = topic;
        this.decoder = new AvroDeserializer<>(type, registry);
        this.consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000), new StringDeserializer(), new ByteArrayDeserializer());
        this.partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Reads what has arrived since the last call (waits at most {@code wait} for the first records). */
    synchronized List<Rec<T>> poll(Duration wait) {
        List<Rec<T>> fresh = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : consumer.poll(wait)) {
            T v = null;
            try {
                v = r.value() == null ? null : decoder.deserialize(topic, r.value());
            } catch (SerializationException e) {
                // poison the test put there itself: kept with a null value
            }
            fresh.add(new Rec<>(r.key(), v, r.partition(), r.offset(), r.timestamp()));
        }
        records.addAll(fresh);
        return fresh;
    }

    /** Every record committed to the topic up to now (or what could be read in 10 s if the broker is away). */
    synchronized List<Rec<T>> all() {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        try {
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(3));
            while (System.nanoTime() < deadline && end.entrySet().stream()
                    .anyMatch(e -> consumer.position(e.getKey(), Duration.ofSeconds(3)) < e.getValue())) {
                poll(Duration.ofMillis(200));
            }
        } catch (TimeoutException e) {
            poll(Duration.ofMillis(200)); // the broker is away: what has arrived
        }
        return List.copyOf(records);
    }

    /** The decoded values read so far that match. */
    synchronized List<T> values(Predicate<T> filter) {
        return all().stream().map(Rec::value).filter(v -> v != null && filter.test(v)).toList();
    }

    /** Polls until {@code done} holds or the timeout passes; returns whether it held. */
    boolean await(Duration timeout, Supplier<Boolean> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            poll(Duration.ofMillis(200));
            if (done.get()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
        }
    }

    @Override
    public synchronized void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
