package io.physmaster.role;

import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every role's offset commit, in one place. A commit that cannot reach the broker (down, restarting, no
 * coordinator yet) is retried until it succeeds or the role stops: a role must ride out a broker outage of any
 * length in the same process. Kafka's own {@code commitSync} throws a {@code TimeoutException} after
 * {@code default.api.timeout.ms} (60 s), which used to end the worker's thread.
 */
public final class Commits {

    /** How a commit ended. Only {@link #COMMITTED} means the records will not be redone. */
    public enum Outcome {
        COMMITTED,
        /** The group moved the partitions on; their new owner redoes the records. */
        REBALANCED,
        /** The role stopped while the broker was unreachable; the records are redone after a restart. */
        STOPPED
    }

    private static final Logger log = LoggerFactory.getLogger(Commits.class);

    /** Per attempt: short enough that a stop request is seen soon, long enough for a slow coordinator. */
    static final Duration ATTEMPT = Duration.ofSeconds(10);
    static final long PAUSE_MS = 1000;

    /**
     * Commits {@code offsets} (null: the positions of the last poll), retrying while {@code running} says so.
     * Exceptions other than retriable ones and rebalances (e.g. a wakeup or a fenced instance) propagate.
     */
    public static Outcome commit(Consumer<?, ?> consumer, Map<TopicPartition, OffsetAndMetadata> offsets,
            BooleanSupplier running) {
        return commit(consumer, offsets, running, ATTEMPT);
    }

    static Outcome commit(Consumer<?, ?> consumer, Map<TopicPartition, OffsetAndMetadata> offsets,
            BooleanSupplier running, Duration attempt) {
        long firstFailure = 0;
        int failures = 0;
        while (true) {
            try {
                if (offsets == null) {
                    consumer.commitSync(attempt);
                } else {
                    consumer.commitSync(offsets, attempt);
                }
                if (failures > 0) {
                    log.info("event=commit_recovered attempts={} seconds={}", failures + 1,
                            (System.nanoTime() - firstFailure) / 1_000_000_000L);
                }
                return Outcome.COMMITTED;
            } catch (CommitFailedException | RebalanceInProgressException e) {
                log.warn("event=commit_failed reason=\"group rebalanced: the new owner redoes the records\"");
                return Outcome.REBALANCED;
            } catch (RetriableException e) {
                if (failures++ == 0) {
                    firstFailure = System.nanoTime();
                    log.warn("event=commit_retrying reason=\"{}\" (retried until the broker answers)",
                            e.getClass().getSimpleName());
                }
                if (!running.getAsBoolean()) {
                    log.warn("event=commit_abandoned attempts={} reason=\"stopping; the records are redone "
                            + "after a restart\"", failures);
                    return Outcome.STOPPED;
                }
                Roles.pause(PAUSE_MS);
                if (Thread.currentThread().isInterrupted()) {
                    return Outcome.STOPPED;
                }
            }
        }
    }

    private Commits() {
    }
}
