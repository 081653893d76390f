package io.physmaster.worker;

import io.physmaster.schemas.GenerationRequest;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A request that passed validation, with its first frame resized to the model: [3, H, W] in [0, 1], and the
 * record it came from (what a retry is charged to).
 */
record AcceptedRequest(ConsumerRecord<String, byte[]> origin, GenerationRequest request, float[] firstFrame,
                       String encoderVersion, Instant takenAt) {

    AcceptedRequest withVersion(String version) {
        return new AcceptedRequest(origin, request, firstFrame, version, takenAt);
    }
}
