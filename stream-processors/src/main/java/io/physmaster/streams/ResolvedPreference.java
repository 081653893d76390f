package io.physmaster.streams;

/**
 * A preference event that passed validation and found both of its videos: what the batcher needs.
 * Internal (binary, InternalSerdes, on the app's repartition topic).
 */
public record ResolvedPreference(String eventId, String requestId, int preferred, int rejected, String annotator,
                                 float confidence, String source, long time, String encoderVersion,
                                 String preferredUri, String rejectedUri, String sceneId, long preferredSeed,
                                 long rejectedSeed) {
}
