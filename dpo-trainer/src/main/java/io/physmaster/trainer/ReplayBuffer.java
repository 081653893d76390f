package io.physmaster.trainer;

import io.physmaster.role.ConnectionSettings;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.schemas.PreferencePair;
import io.physmaster.serde.AvroDeserializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Every accepted preference pair, for replay: the online learner keeps training over all of them, not only
 * over the newest window. Bounded (the oldest pair goes first), deduplicated by (request, preferred video,
 * rejected video), so a batch read twice (a redelivery, or the rebuild from the topic after a restart) never
 * counts a pair twice. Holds URIs only; pixels are read from the blob store on each visit.
 */
final class ReplayBuffer {

    private final int capacity;
    private final LinkedHashMap<String, PreferencePair> pairs;
    private final List<String> keys = new ArrayList<>();
    private boolean keysStale;

    ReplayBuffer(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("replay capacity must be >= 1, got " + capacity);
        }
        this.capacity = capacity;
        this.pairs = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, PreferencePair> eldest) {
                return size() > ReplayBuffer.this.capacity;
            }
        };
    }

    static String key(PreferencePair p) {
        return p.getRequestId() + "|" + p.getPreferredUri() + "|" + p.getRejectedUri();
    }

    /** Adds the pairs not seen before; returns how many were new. */
    synchronized int addAll(List<PreferencePair> batch) {
        int added = 0;
        for (PreferencePair p : batch) {
            if (pairs.putIfAbsent(key(p), p) == null) {
                added++;
            }
        }
        keysStale |= added > 0;
        return added;
    }

    /**
     * Reads the batches topic's partition from the beginning up to {@code end} (exclusive) and adds every pair;
     * undecodable batches were dead-lettered when first read and are skipped. Gives up after a minute.
     */
    void refill(ConnectionSettings connection, AvroDeserializer<PreferenceBatch> batches, TopicPartition tp, long end) {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(connection.consumer(null), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 60_000;
            while (c.position(tp) < end && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (r.offset() < end) {
                        try {
                            addAll(batches.deserialize(r.topic(), r.value()).getPairs());
                        } catch (SerializationException e) {
                            // dead-lettered when it was first read
                        }
                    }
                }
            }
        }
    }

    synchronized int size() {
        return pairs.size();
    }

    /** {@code n} pairs drawn uniformly with replacement (fewer when the buffer is smaller than n). */
    synchronized List<PreferencePair> sample(int n, Random rnd) {
        if (keysStale) {
            keys.clear();
            keys.addAll(pairs.keySet());
            keysStale = false;
        }
        List<PreferencePair> out = new ArrayList<>();
        for (int i = 0; i < Math.min(n, keys.size()); i++) {
            out.add(pairs.get(keys.get(rnd.nextInt(keys.size()))));
        }
        return out;
    }
}
