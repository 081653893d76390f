package io.physmaster.trainer;

import ai.djl.ndarray.NDManager;
import io.physmaster.blob.BlobStore;
import io.physmaster.dpo.DpoSteps;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.role.ConnectionSettings;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.serde.AvroDeserializer;
import io.physmaster.serde.SchemaRegistryClient;
import io.physmaster.topics.Topics;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the generated-videos topic (no group: every partition, from a little while back) and computes the
 * fixed reference's Flow-DPO errors on recent videos while the trainer is idle ({@link ReferenceErrors}), so a
 * window's first pass runs the policy only. The reference never changes (it is the anchor), so an error once
 * computed stays valid. If the topic cannot be read, the trainer goes on without (each step then runs the
 * reference too).
 */
final class ReferenceErrorFeed implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReferenceErrorFeed.class);
    /** The reference is the anchor, whatever is in service: one version of errors, forever. */
    static final String ANCHOR = "anchor";

    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroDeserializer<GeneratedVideo> videos;
    private final ReferenceErrors errors;
    private boolean following;

    ReferenceErrorFeed(ConnectionSettings connection, SchemaRegistryClient registry, int capacity, int frames) {
        this.consumer = new KafkaConsumer<>(connection.consumer(null), new StringDeserializer(),
                new ByteArrayDeserializer());
        this.videos = new AvroDeserializer<>(GeneratedVideo.class, registry);
        this.errors = new ReferenceErrors(capacity, frames);
    }

    /** Videos from the last 15 minutes on: after a restart, the open windows' videos get their errors again. */
    void start(int capacity) {
        if (capacity <= 0) {
            return;
        }
        try {
            List<TopicPartition> parts = consumer.partitionsFor(Topics.GENERATED_VIDEOS.name(), Duration.ofSeconds(30))
                    .stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(parts);
            long since = System.currentTimeMillis() - Duration.ofMinutes(15).toMillis();
            Map<TopicPartition, Long> times = new HashMap<>();
            parts.forEach(tp -> times.put(tp, since));
            var offsets = consumer.offsetsForTimes(times);
            // Ends resolved now, not at the first poll (seekToEnd is lazy): videos made during the warm-up count.
            var ends = consumer.endOffsets(parts);
            for (var tp : parts) {
                var o = offsets.get(tp);
                consumer.seek(tp, o == null ? ends.get(tp) : o.offset());
            }
            following = true;
        } catch (RuntimeException e) {
            log.warn("event=videos_not_followed reason=\"{}\" (reference errors are computed in each step)",
                    e.toString());
        }
    }

    /** Takes in the videos published since the last call, without waiting. */
    void poll() {
        if (!following) {
            return;
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ZERO)) {
            try {
                GeneratedVideo v = videos.deserialize(r.topic(), r.value());
                String uri = v.getRawUri() != null ? v.getRawUri() : v.getVideoUri();
                if (uri != null) { // the batcher names pairs by the same URI (raw when there is one)
                    errors.add(v.getRequestId(), uri);
                }
            } catch (SerializationException e) {
                log.warn("event=video_record_unreadable offset={} reason=\"{}\"", r.offset(), e.getMessage());
            }
        }
    }

    /** Whether there are recent videos whose errors are not known yet. */
    boolean backlog() {
        return following && errors.backlog(ANCHOR) > 0;
    }

    /** One small chunk of reference forwards. */
    void computeSome(PhysMasterModel reference, BlobStore blobs, NDManager manager) {
        errors.computeSome(reference, ANCHOR, blobs, manager);
    }

    boolean known(Collection<String> uris) {
        return errors.known(uris, ANCHOR);
    }

    DpoSteps.Pair attach(DpoSteps.Pair pair, String preferredUri, String rejectedUri) {
        return errors.attach(pair, preferredUri, rejectedUri, ANCHOR);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
