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
 * over the newest window. Bounded (the oldest pair goes first). Keyed by pair id ({@link #pairId}: the request
 * and its two videos, in either order), so a batch read twice (a redelivery, or the rebuild from the topic after
 * a restart) never counts a pair twice, and a later window that judged the same two videos the other way
 * replaces the earlier verdict instead of adding a pair that cancels it. Holds URIs only; pixels are read from
 * the blob store on each visit.
 */
final class ReplayBuffer {

    /** What {@link #addAll} did with a batch's pairs. */
    record Added(int added, int replaced, int known) {
    }

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

    /** The pair's id: its request and its two videos, whichever was preferred. */
    static String pairId(PreferencePair p) {
        String a = p.getPreferredUri();
        String b = p.getRejectedUri();
        return p.getRequestId() + "|" + (a.compareTo(b) <= 0 ? a + "|" + b : b + "|" + a);
    }

    /**
     * Adds the pairs not seen before; a pair seen before with the same preference is left as it is, one seen
     * with the opposite preference is replaced by this newer verdict (and counts as the newest pair).
     */
    synchronized Added addAll(List<PreferencePair> batch) {
        int added = 0;
        int replaced = 0;
        for (PreferencePair p : batch) {
            String id = pairId(p);
            PreferencePair old = pairs.get(id);
            if (old == null) {
                pairs.put(id, p);
                added++;
            } else if (!old.getPreferredUri().equals(p.getPreferredUri())) {
                pairs.remove(id);
                pairs.put(id, p);
                replaced++;
            }
        }
        keysStale |= added + replaced > 0;
        return new Added(added, replaced, batch.size() - added - replaced);
    }

    /** Drops a pair that can never be read again (its videos are gone). */
    synchronized void remove(PreferencePair p) {
        keysStale |= pairs.remove(pairId(p)) != null;
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

    /** The pairs, oldest first. */
    synchronized List<PreferencePair> pairs() {
        return new ArrayList<>(pairs.values());
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
