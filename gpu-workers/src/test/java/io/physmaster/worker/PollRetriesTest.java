package io.physmaster.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class PollRetriesTest {

    static ConsumerRecord<String, byte[]> record(int partition, long offset) {
        return new ConsumerRecord<>("physmaster.generation-requests", partition, offset, "k", new byte[0]);
    }

    @Test
    void aRecordIsGivenUpAfterItsAttemptsWithTheLastReason() {
        PollRetries retries = new PollRetries(3);
        var r = record(0, 7);
        var other = record(1, 7);
        assertEquals(1, retries.charge(List.of(r), "storing a video failed (A)"));
        assertEquals(2, retries.charge(List.of(r, other), "storing a video failed (B)"));
        assertFalse(retries.exhausted(r));
        assertEquals(3, retries.charge(List.of(r), "storing a video failed (C)"));
        assertTrue(retries.exhausted(r), "three failed attempts");
        assertFalse(retries.exhausted(other), "charged once only: same offset, other partition");
        assertEquals("gave up after 3 attempts: storing a video failed (C)", retries.reason(r));
        assertFalse(retries.exhausted(record(0, 8)));
    }

    @Test
    void committedRecordsAreForgotten() {
        PollRetries retries = new PollRetries(1);
        var r = record(2, 1);
        retries.charge(List.of(r), "x");
        assertTrue(retries.exhausted(r));
        retries.forget(List.of(r));
        assertFalse(retries.exhausted(r));
    }

    @Test
    void pausesDoubleUpToTheCapAndStopAtTheLastAttempt() {
        PollRetries retries = new PollRetries(PollRetries.MAX_ATTEMPTS);
        assertEquals(Duration.ofSeconds(1), retries.pause(1));
        assertEquals(Duration.ofSeconds(2), retries.pause(2));
        assertEquals(Duration.ofSeconds(8), retries.pause(4));
        assertEquals(Duration.ZERO, retries.pause(PollRetries.MAX_ATTEMPTS), "the next delivery only dead-letters");
        assertEquals(PollRetries.MAX_PAUSE, new PollRetries(50).pause(40));
    }
}
