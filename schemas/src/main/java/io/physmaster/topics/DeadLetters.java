package io.physmaster.topics;

import io.physmaster.schemas.DeadLetter;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * The one way a component builds a dead letter, so that every role writes them alike: {@code component} is
 * the role, then "/" and the instance when there are several (e.g. {@code worker/worker-7},
 * {@code stream-processors}, {@code dpo-trainer}); {@code reason} is a short sentence a user can act on and
 * never quotes the record's content; partition and offset are -1 when the failure concerns a record that
 * was already accepted (e.g. a request whose encoder version could not be loaded).
 */
public final class DeadLetters {

    /** Longest reason kept: a reason is a sentence, not a dump. */
    static final int MAX_REASON = 500;

    public static DeadLetter of(String component, String topic, int partition, long offset, String key,
                                byte[] value, String reason, String errorClass) {
        return of(component, topic, partition, offset, key, value, reason, errorClass, Instant.now());
    }

    /** The same at a given time (a stream processor's clock, so that tests with a driven clock see it). */
    public static DeadLetter of(String component, String topic, int partition, long offset, String key,
                                byte[] value, String reason, String errorClass, Instant time) {
        String r = reason == null || reason.isBlank() ? "rejected" : reason;
        if (r.length() > MAX_REASON) {
            r = r.substring(0, MAX_REASON - 3) + "...";
        }
        return DeadLetter.newBuilder().setOriginalTopic(topic).setPartition(partition).setOffset(offset)
                .setKey(key).setValue(value == null ? null : ByteBuffer.wrap(value)).setReason(r)
                .setErrorClass(errorClass).setComponent(component).setTime(time).build();
    }

    /** For a record that was never read from a partition (already accepted, or produced by us). */
    public static DeadLetter ofAccepted(String component, String topic, String key, String reason, String errorClass) {
        return of(component, topic, -1, -1, key, null, reason, errorClass);
    }

    private DeadLetters() {
    }
}
