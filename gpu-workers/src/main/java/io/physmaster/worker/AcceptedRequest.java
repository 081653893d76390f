package io.physmaster.worker;

import io.physmaster.schemas.GenerationRequest;
import java.time.Instant;

/** A request that passed validation, with its first frame resized to the model: [3, H, W] in [0, 1]. */
record AcceptedRequest(GenerationRequest request, float[] firstFrame, String encoderVersion, Instant takenAt) {
}
