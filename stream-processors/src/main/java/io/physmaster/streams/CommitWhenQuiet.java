package io.physmaster.streams;

import java.time.Duration;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * Asks for a commit once a task that forwarded records to a repartition topic has had no new record for
 * {@link #QUIET}. Under exactly-once those records are invisible to the next step until the transaction commits,
 * so each hop would otherwise add up to a commit interval (1 s) to a batch's latency; under load records keep
 * coming and ride the regular commits, so this adds no commits there.
 */
final class CommitWhenQuiet {

    static final Duration QUIET = Duration.ofMillis(100);

    private final ProcessorContext<?, ?> context;
    /** Wall clock of the last record forwarded since the last commit asked for; -1: none. */
    private long lastForwardMs = -1;

    CommitWhenQuiet(ProcessorContext<?, ?> context) {
        this.context = context;
        context.schedule(QUIET, PunctuationType.WALL_CLOCK_TIME, this::commitIfQuiet);
    }

    void forwarded() {
        lastForwardMs = context.currentSystemTimeMs();
    }

    private void commitIfQuiet(long now) {
        if (lastForwardMs >= 0 && now - lastForwardMs >= QUIET.toMillis()) {
            context.commit();
            lastForwardMs = -1;
        }
    }
}
