package io.physmaster.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.streams.WindowState.Vote;
import java.util.List;
import org.junit.jupiter.api.Test;

class MajorityVoteTest {

    @Test
    void oneVoteWinsWithItsConfidence() {
        MajorityVote.Result r = MajorityVote.resolve(0, 1, List.of(new Vote(1, 0.75f)));
        assertEquals(new MajorityVote.Result(1, 1, 0.75f, 0), r);
        assertFalse(r.isTie());
    }

    @Test
    void theMajorityWinsWeightedByTheMeanConfidenceOfItsVotesAndTheMinorityIsDiscarded() {
        MajorityVote.Result r = MajorityVote.resolve(2, 5, List.of(new Vote(2, 1f), new Vote(5, 0.9f),
                new Vote(2, 0.5f)));
        assertEquals(2, r.winner());
        assertEquals(2, r.votes());
        assertEquals(0.75f, r.weight(), "mean of 1.0 and 0.5; the loser's 0.9 does not count");
        assertEquals(1, r.discarded());
    }

    @Test
    void theHighSampleCanWinToo() {
        MajorityVote.Result r = MajorityVote.resolve(0, 3, List.of(new Vote(3, 0.6f), new Vote(3, 0.8f),
                new Vote(0, 1f), new Vote(3, 1f)));
        assertEquals(3, r.winner());
        assertEquals(3, r.votes());
        assertEquals((0.6f + 0.8f + 1f) / 3, r.weight(), 1e-6);
        assertEquals(1, r.discarded());
    }

    @Test
    void aTieIsNoPreferenceAndDiscardsEveryVote() {
        MajorityVote.Result r = MajorityVote.resolve(0, 1, List.of(new Vote(0, 1f), new Vote(1, 1f),
                new Vote(1, 0.5f), new Vote(0, 0.5f)));
        assertTrue(r.isTie());
        assertEquals(0, r.votes());
        assertEquals(4, r.discarded());
    }
}
