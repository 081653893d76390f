package io.physmaster.worker;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Bounds how often a request record is retried after failures that are not its fault (storage, registry or
 * broker unavailable). Each failed attempt is charged to the records it concerns; a record charged
 * {@link #MAX_ATTEMPTS} times is given up (dead-lettered with the last reason) on its next delivery, so no
 * record can hold its partition forever. Counts live in this worker's memory and are dropped once committed.
 */
final class PollRetries {

    static final int MAX_ATTEMPTS = 5;
    /** Pause before the next attempt: 1 s, doubling, at most 8 s; none after the last (15 s in all for 5). */
    static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
    static final Duration MAX_PAUSE = Duration.ofSeconds(8);

    /** The poll must be redone: something it needs was unavailable. Charged to {@code records} (empty: all). */
    static final class Unavailable extends RuntimeException {
        private final List<ConsumerRecord<String, byte[]>> records;

        Unavailable(List<ConsumerRecord<String, byte[]>> records, String reason, Throwable cause) {
            super(reason, cause);
            this.records = List.copyOf(records);
        }

        List<ConsumerRecord<String, byte[]>> records() {
            return records;
        }
    }

    private record Attempts(int count, String reason) {
    }

    private final int maxAttempts;
    private final Map<String, Attempts> byRecord = new HashMap<>();

    PollRetries(int maxAttempts) {
        this.maxAttempts = maxAttempts;
    }

    /** Charges one failed attempt with its reason to each record; returns the highest count among them. */
    int charge(Collection<ConsumerRecord<String, byte[]>> records, String reason) {
        int most = 0;
        for (ConsumerRecord<String, byte[]> r : records) {
            Attempts a = byRecord.merge(id(r), new Attempts(1, reason),
                    (old, one) -> new Attempts(old.count() + 1, reason));
            most = Math.max(most, a.count());
        }
        return most;
    }

    boolean exhausted(ConsumerRecord<String, byte[]> r) {
        Attempts a = byRecord.get(id(r));
        return a != null && a.count() >= maxAttempts;
    }

    /** The dead letter's reason for an exhausted record. */
    String reason(ConsumerRecord<String, byte[]> r) {
        Attempts a = byRecord.get(id(r));
        return "gave up after " + (a == null ? 0 : a.count()) + " attempts: " + (a == null ? "" : a.reason());
    }

    /** Forgets records whose offsets were committed. */
    void forget(Iterable<ConsumerRecord<String, byte[]>> committed) {
        committed.forEach(r -> byRecord.remove(id(r)));
    }

    /** How long to wait after a record's {@code attempt}-th failure before it is delivered again. */
    Duration pause(int attempt) {
        if (attempt >= maxAttempts) {
            return Duration.ZERO; // its next delivery only dead-letters it
        }
        long ms = FIRST_PAUSE.toMillis() << Math.min(Math.max(attempt - 1, 0), 20);
        return Duration.ofMillis(Math.min(ms, MAX_PAUSE.toMillis()));
    }

    private static String id(ConsumerRecord<?, ?> r) {
        return r.topic() + "-" + r.partition() + "@" + r.offset();
    }
}
