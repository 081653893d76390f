package io.physmaster.encoder;

import io.physmaster.schemas.EncoderVersion;
import io.physmaster.serde.AvroDeserializer;
import io.physmaster.serde.SchemaRegistryClient;
import io.physmaster.topics.Topics;
import io.physmaster.versions.UntrustedVersionException;
import io.physmaster.versions.VersionTrust;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the compacted encoder-versions topic from the beginning, without a consumer group: every worker
 * sees every version. The record with the highest offset is the one to serve; republishing an old version
 * makes it current again (rollback). A version not signed by the trusted trainer key is refused (logged with
 * the reason, kept aside in {@link #refused}) and never becomes current: the version before it stays.
 */
public final class EncoderVersionFeed implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EncoderVersionFeed.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroDeserializer<EncoderVersion> deserializer;
    private final VersionTrust trust;
    private final Map<String, EncoderVersion> known = new ConcurrentHashMap<>();
    private final Map<String, String> refused = new ConcurrentHashMap<>();
    private final AtomicReference<EncoderVersion> current = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean caughtUp;
    /** The offset after the last record read (the consumer's position after its last poll). */
    private volatile long position;

    /**
     * @param kafka a role's Kafka client settings (bootstrap servers and security); a group id is removed
     * @param trust whose signature a version needs
     */
    public EncoderVersionFeed(Properties kafka, SchemaRegistryClient registry, VersionTrust trust) {
        this.trust = trust;
        Properties p = new Properties();
        p.putAll(kafka);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        this.deserializer = new AvroDeserializer<>(EncoderVersion.class, registry);
        TopicPartition tp = new TopicPartition(Topics.ENCODER_VERSIONS.name(), 0);
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        this.thread = new Thread(this::follow, "encoder-versions");
        thread.setDaemon(true);
        thread.start();
    }

    private void follow() {
        try {
            TopicPartition tp = new TopicPartition(Topics.ENCODER_VERSIONS.name(), 0);
            long end = -1;
            while (running) {
                if (!caughtUp) {
                    try {
                        end = end < 0 ? consumer.endOffsets(List.of(tp)).get(tp) : end;
                        caughtUp = consumer.position(tp) >= end;
                    } catch (org.apache.kafka.common.errors.TimeoutException e) {
                        log.warn("event=encoder_versions_unreachable reason=\"{}\"", e.getMessage());
                    }
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.value() == null) {
                        continue; // tombstone: a deleted version
                    }
                    try {
                        admit(deserializer.deserialize(r.topic(), r.value()), r.offset());
                    } catch (SerializationException e) {
                        log.warn("event=encoder_version_unreadable offset={} reason=\"{}\"", r.offset(), e.getMessage());
                    }
                }
                try {
                    position = consumer.position(tp, Duration.ofSeconds(1)); // known after a poll: no round trip
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    // not known yet (no broker): the next poll tells
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /** Makes {@code v} known and current if its signature verifies; else logs why and keeps it aside. */
    void admit(EncoderVersion v, long offset) {
        try {
            trust.check(v);
        } catch (UntrustedVersionException e) {
            refused.put(v.getVersion(), e.reason());
            EncoderVersion kept = current.get();
            log.warn("event=encoder_version_refused version={} offset={} keep={} reason=\"{}\"", v.getVersion(), offset,
                    kept == null ? "base" : kept.getVersion(), e.reason());
            return;
        }
        refused.remove(v.getVersion());
        known.put(v.getVersion(), v);
        current.set(v);
        log.info("event=encoder_version_seen version={} offset={} signer={} checkpoint={}", v.getVersion(), offset,
                v.getSignerKey(), v.getCheckpointUri());
    }

    /** Versions refused for their signature, with the reason (a later valid record of the same id clears it). */
    public Map<String, String> refused() {
        return Map.copyOf(refused);
    }

    /** Whether every version published before this follower started has been read. */
    public boolean caughtUp() {
        return caughtUp;
    }

    /**
     * The offset after the last record read: every version published below it has been seen (with
     * {@link #versionIds} and {@link #current}, e.g. when a trainer takes over from another).
     */
    public long position() {
        return position;
    }

    /** Ids of every signed version read so far. */
    public java.util.Set<String> versionIds() {
        return java.util.Set.copyOf(known.keySet());
    }

    /** The version to serve now, or null if none was ever published. */
    public EncoderVersion current() {
        return current.get();
    }

    public EncoderVersion get(String version) {
        return known.get(version);
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
