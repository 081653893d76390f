package io.physmaster.requests;

/**
 * Bounds on a generation request, enforced by the client before publishing and again by every worker (a
 * request may come from any producer). Sized for the proxy-task model; a GPU deployment can raise them.
 */
public record RequestLimits(int maxInlineBytes, long maxImageBytes, long maxPixels, int maxSide,
                            int minFrames, int maxFrames, int maxSteps, int maxSamples, float maxGuidance) {

    public static final RequestLimits DEFAULT = new RequestLimits(
            256 * 1024,        // inline first frames; bigger ones go by claim-check URI
            8L * 1024 * 1024,  // any first frame
            4_096L * 4_096L,   // decompression-bomb guard, checked from the header before decoding
            4_096,
            2, 64, 200, 8, 20f);
}
