package io.physmaster.requests;

import io.physmaster.schemas.GenerationRequest;
import java.util.regex.Pattern;

/**
 * The checks on a GenerationRequest's numbers and fields (the image itself: {@link FirstFrameImage}), run by
 * the client before publishing and by every worker (a request may come from any producer). Refusals name the
 * rule, never the offending value, so a reason can go into a dead letter or a log as it is.
 */
public final class RequestRules {

    /** Most characters of a request id, scene id or encoder version. */
    public static final int MAX_ID_LENGTH = 64;

    /**
     * A request id is one safe path segment: workers store videos under {@code videos/<request id>/}, so it
     * must not contain a separator, and it may not start with '.' ("..", hidden files).
     */
    private static final Pattern REQUEST_ID =
            Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0," + (MAX_ID_LENGTH - 1) + "}");
    /** Scene ids ("split:index") and encoder versions: a short plain name, also never starting with '.'. */
    private static final Pattern NAME =
            Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._:-]{0," + (MAX_ID_LENGTH - 1) + "}");

    public static void check(GenerationRequest r, RequestLimits limits) throws InvalidRequestException {
        checkRequestId(r.getRequestId());
        if (r.getSceneId() != null && !NAME.matcher(r.getSceneId()).matches()) {
            throw new InvalidRequestException("sceneId must be 1.." + MAX_ID_LENGTH
                    + " characters of A-Z a-z 0-9 . _ : - (like seen:12), not starting with '.'");
        }
        if (r.getEncoderVersion() != null && !NAME.matcher(r.getEncoderVersion()).matches()) {
            throw new InvalidRequestException("encoderVersion must be 1.." + MAX_ID_LENGTH
                    + " characters of A-Z a-z 0-9 . _ : -, not starting with '.'");
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

    /** Refuses a request id that is not 1..64 characters of A-Z a-z 0-9 . _ - or that starts with '.'. */
    public static void checkRequestId(String id) throws InvalidRequestException {
        if (id == null || !REQUEST_ID.matcher(id).matches()) {
            throw new InvalidRequestException("requestId must be 1.." + MAX_ID_LENGTH
                    + " characters of A-Z a-z 0-9 . _ - and not start with '.'");
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
