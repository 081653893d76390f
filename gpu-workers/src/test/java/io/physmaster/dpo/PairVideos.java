package io.physmaster.dpo;

import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.PreferencePair;
import io.physmaster.topics.Topics;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The videos of preference pairs as a worker publishes them (32x32, 16 frames, stored .pmv files). */
final class PairVideos {

    /** Both videos of every pair on the generated-videos topic (samples 0 and 1 of the pair's request); waits for the acks. */
    static void publish(KafkaProducer<String, SpecificRecord> producer, List<PreferencePair> pairs) throws Exception {
        for (PreferencePair pair : pairs) {
            int sample = 0;
            for (String uri : List.of(pair.getPreferredUri(), pair.getRejectedUri())) {
                producer.send(new ProducerRecord<>(Topics.GENERATED_VIDEOS.name(), pair.getRequestId(),
                        GeneratedVideo.newBuilder().setRequestId(pair.getRequestId()).setSampleIndex(sample)
                                .setSeed(sample).setVideoUri(uri).setRawUri(uri).setFormat("pmv").setFrames(16)
                                .setWidth(32).setHeight(32).setSha256("-").setEncoderVersion("stage1")
                                .setModelVersion("stage1").setLatencyMs(0).setCreatedAt(Instant.now()).build()));
                sample++;
            }
        }
        producer.flush();
    }

    /** The pairs' video URIs, as the trainer keys its reference errors. */
    static List<String> uris(List<PreferencePair> pairs) {
        return pairs.stream().flatMap(p -> Stream.of(p.getPreferredUri(), p.getRejectedUri())).toList();
    }

    private PairVideos() {
    }
}
