package io.physmaster.trainer;

import io.physmaster.blob.BlobStore;
import io.physmaster.blob.Sha256;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.topics.Topics;
import io.physmaster.versions.VersionSignatures;
import java.net.URI;
import java.security.KeyPair;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Stores a candidate's checkpoints (content-addressed: a key never points at other bytes) and publishes it as
 * the next EncoderVersion, signed with the trainer's key (workers refuse unsigned versions), waiting for the broker's acknowledgement before the trainer commits anything.
 */
final class VersionPublisher {

    private final BlobStore blobs;
    private final KafkaProducer<String, SpecificRecord> producer;
    private final String baseVersion;
    private final KeyPair key;
    private final VersionLine line;

    /**
     * @param key  the trainer's Ed25519 pair: every version is signed with it
     * @param line names each version and learns of each publication
     */
    VersionPublisher(BlobStore blobs, KafkaProducer<String, SpecificRecord> producer, String baseVersion,
                     KeyPair key, VersionLine line) {
        this.blobs = blobs;
        this.producer = producer;
        this.baseVersion = baseVersion;
        this.key = key;
        this.line = line;
    }

    EncoderVersion publish(EncoderVersion current, String tag, OnlineLearner.Checkpoints ckpt, List<String> batchIds,
                           Map<String, Double> training, Map<String, Double> evaluation) throws Exception {
        String version = line.nextId(current, tag);
        EncoderVersion.Builder v = EncoderVersion.newBuilder().setVersion(version)
                .setParent(current == null ? baseVersion : current.getVersion())
                .setCheckpointUri(store(version, "head", ckpt.head()).toString()).setSha256(Sha256.hex(ckpt.head()))
                .setTrainingFigures(training).setEvaluationFigures(evaluation).setBatchIds(batchIds)
                .setCreatedAt(Instant.now());
        if (ckpt.adapters() != null) {
            v.setAdaptersUri(store(version, "lora", ckpt.adapters()).toString())
                    .setAdaptersSha256(Sha256.hex(ckpt.adapters()));
        }
        EncoderVersion built = VersionSignatures.sign(v.build(), key.getPrivate(), key.getPublic());
        producer.send(new ProducerRecord<>(Topics.ENCODER_VERSIONS.name(), version, built)).get();
        line.published(built);
        return built;
    }

    private URI store(String version, String kind, byte[] bytes) throws java.io.IOException {
        return blobs.put("encoders/" + version + "-" + kind + "-" + Sha256.hex(bytes).substring(0, 16) + ".pmck",
                bytes, "application/octet-stream");
    }
}
