package io.physmaster.streams;

/**
 * A preference event that decoded and passed its checks, on its way to the video join (keyed by its request id,
 * on an internal repartition topic). Keeps its origin, so a dead letter after the join still points at the
 * original record and carries its bytes for replay.
 */
record CheckedPreference(String eventId, String requestId, int preferred, int rejected, String annotator,
                         float confidence, String source, Origin origin) {

    /** Where the event was read on the preference-events topic: key, partition, offset and its raw value. */
    record Origin(String key, int partition, long offset, byte[] value) {
    }
}
