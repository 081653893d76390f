package io.physmaster.annotate;

import io.physmaster.client.ClientSettings;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.serde.AvroDeserializer;
import io.physmaster.topics.Topics;
import java.time.Duration;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Follows the generated-videos topic from its beginning on a daemon thread and hands each video on. */
final class VideoFeed implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VideoFeed.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroDeserializer<GeneratedVideo> videos;
    private final Consumer<GeneratedVideo> sink;
    private final Thread thread;
    private volatile boolean running = true;

    VideoFeed(ClientSettings settings, Consumer<GeneratedVideo> sink) {
        this.consumer = new KafkaConsumer<>(settings.connection().consumer(null), new StringDeserializer(),
                new ByteArrayDeserializer());
        this.videos = new AvroDeserializer<>(GeneratedVideo.class, settings.connection().registry());
        this.sink = sink;
        this.thread = new Thread(this::follow, "annotator-videos");
        thread.setDaemon(true);
    }

    VideoFeed start() {
        thread.start();
        return this;
    }

    private void follow() {
        try {
            var parts = consumer.partitionsFor(Topics.GENERATED_VIDEOS.name(), Duration.ofSeconds(30)).stream()
                    .map(pi -> new TopicPartition(pi.topic(), pi.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            while (running) {
                consumer.poll(Duration.ofMillis(300)).forEach(r -> {
                    try {
                        sink.accept(videos.deserialize(r.topic(), r.value()));
                    } catch (RuntimeException e) {
                        log.warn("event=annotator_skip_unreadable offset={}", r.offset());
                    }
                });
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    @Override
    public void close() {
        running = false;
        if (thread.isAlive()) {
            consumer.wakeup();
        } else {
            consumer.close(Duration.ofSeconds(2));
        }
    }
}
