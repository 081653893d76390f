package io.physmaster.requests;

import io.physmaster.schemas.GenerationRequest;

/** The checks on a GenerationRequest's numbers and fields (the image itself: {@link FirstFrameImage}). */
public final class RequestRules {

    public static void check(GenerationRequest r, RequestLimits limits) throws InvalidRequestException {
        if (r.getRequestId() == null || r.getRequestId().isBlank() || r.getRequestId().length() > 200) {
            throw new InvalidRequestException("requestId must be 1..200 characters");
        }
        boolean byUri = r.getFirstFrameUri() != null;
        boolean inline = r.getFirstFrameInline() != null;
        if (byUri == inline) {
            throw new InvalidRequestException("exactly one of firstFrameUri and firstFrameInline must be set");
        }
        if (inline && r.getFirstFrameInline().remaining() > limits.maxInlineBytes()) {
            throw new InvalidRequestException("inline first frame is " + r.getFirstFrameInline().remaining()
                    + " bytes; frames over " + limits.maxInlineBytes() + " bytes must be sent by URI");
        }
        range("numSamples", r.getNumSamples(), 1, limits.maxSamples());
        range("frames", r.getFrames(), limits.minFrames(), limits.maxFrames());
        range("steps", r.getSteps(), 1, limits.maxSteps());
        if (!(r.getGuidance() >= 0 && r.getGuidance() <= limits.maxGuidance())) {
            throw new InvalidRequestException("guidance must be in [0, " + limits.maxGuidance() + "], got "
                    + r.getGuidance());
        }
    }

    private static void range(String name, int v, int lo, int hi) throws InvalidRequestException {
        if (v < lo || v > hi) {
            throw new InvalidRequestException(name + " must be in [" + lo + ", " + hi + "], got " + v);
        }
    }

    private RequestRules() {
    }
}
