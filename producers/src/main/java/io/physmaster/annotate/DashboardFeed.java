package io.physmaster.annotate;

import io.physmaster.client.ClientSettings;
import io.physmaster.schemas.DeadLetter;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.serde.AvroDeserializer;
import io.physmaster.serde.SchemaRegistryClient;
import io.physmaster.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the encoder-versions and dead-letters topics from their beginning (no group, committed records only)
 * on a daemon thread into the dashboard's model. Generated videos come from the annotator's own feed.
 */
final class DashboardFeed implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DashboardFeed.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroDeserializer<EncoderVersion> versions;
    private final AvroDeserializer<DeadLetter> letters;
    private final DashboardModel model;
    private final Thread thread;
    private volatile boolean running = true;

    DashboardFeed(ClientSettings settings, DashboardModel model) {
        this.consumer = new KafkaConsumer<>(settings.connection().consumer(null), new StringDeserializer(),
                new ByteArrayDeserializer());
        SchemaRegistryClient registry = settings.connection().registry();
        this.versions = new AvroDeserializer<>(EncoderVersion.class, registry);
        this.letters = new AvroDeserializer<>(DeadLetter.class, registry);
        this.model = model;
        this.thread = new Thread(this::follow, "dashboard-feed");
        thread.setDaemon(true);
    }

    DashboardFeed start() {
        thread.start();
        return this;
    }

    private void follow() {
        try {
            List<TopicPartition> parts = new ArrayList<>();
            for (String topic : List.of(Topics.ENCODER_VERSIONS.name(), Topics.DEAD_LETTERS.name())) {
                consumer.partitionsFor(topic, Duration.ofSeconds(30))
                        .forEach(pi -> parts.add(new TopicPartition(pi.topic(), pi.partition())));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            while (running) {
                consumer.poll(Duration.ofMillis(300)).forEach(this::accept);
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            log.warn("event=dashboard_feed_stopped reason=\"{}\"", e.toString());
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void accept(ConsumerRecord<String, byte[]> r) {
        if (r.value() == null) {
            return; // a tombstone on the compacted versions topic: nothing to show
        }
        try {
            if (r.topic().equals(Topics.ENCODER_VERSIONS.name())) {
                model.version(versions.deserialize(r.topic(), r.value()), r.offset());
            } else {
                model.deadLetter(letters.deserialize(r.topic(), r.value()));
            }
        } catch (RuntimeException e) {
            log.warn("event=dashboard_skip_unreadable topic={} partition={} offset={}", r.topic(), r.partition(),
                    r.offset());
        }
    }

    @Override
    public void close() {
        running = false;
        if (thread.isAlive()) {
            consumer.wakeup();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            consumer.close(Duration.ofSeconds(2));
        }
    }
}
