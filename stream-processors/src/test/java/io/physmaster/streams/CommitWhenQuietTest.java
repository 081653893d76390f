package io.physmaster.streams;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.streams.processor.Punctuator;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.junit.jupiter.api.Test;

class CommitWhenQuietTest {

    final MockProcessorContext<String, String> context = new MockProcessorContext<>();
    final CommitWhenQuiet commits = new CommitWhenQuiet(context);
    final Punctuator tick = context.scheduledPunctuators().get(0).getPunctuator();

    void at(long ms) {
        context.setCurrentSystemTimeMs(ms);
    }

    @Test
    void aCommitIsAskedForOnceTheInputWentQuietAfterAForward() {
        at(1_000);
        commits.forwarded();
        tick.punctuate(1_050);
        assertFalse(context.committed(), "50 ms: not quiet yet");
        tick.punctuate(1_100);
        assertTrue(context.committed());
        context.resetCommit();
        tick.punctuate(1_200);
        assertFalse(context.committed(), "nothing forwarded since");
    }

    @Test
    void aSteadyStreamRidesTheRegularCommits() {
        for (long ms = 0; ms < 2_000; ms += 20) {
            at(ms);
            commits.forwarded();
            if (ms % 100 == 0) {
                tick.punctuate(ms);
            }
        }
        assertFalse(context.committed());
    }

    @Test
    void nothingForwardedNothingToCommit() {
        tick.punctuate(10_000);
        assertFalse(context.committed());
    }
}
