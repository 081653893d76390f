package io.physmaster.streams;

import io.physmaster.streams.WindowState.Vote;
import java.util.Collection;

/**
 * Resolves the votes cast on one unordered pair of samples: the side with more votes wins, weighted by the mean
 * confidence of its votes; a tie is no preference at all.
 */
final class MajorityVote {

    /**
     * @param winner    the preferred sample, or -1 on a tie
     * @param votes     votes for the winner (0 on a tie)
     * @param weight    mean confidence of the winner's votes (0 on a tie)
     * @param discarded votes that do not count: the outvoted minority, or every vote of a tie
     */
    record Result(int winner, int votes, float weight, int discarded) {
        boolean isTie() {
            return winner < 0;
        }
    }

    /** The result of {@code votes} on the pair (low, high): every vote prefers one of the two. */
    static Result resolve(int low, int high, Collection<Vote> votes) {
        int forLow = 0;
        int forHigh = 0;
        float confLow = 0;
        float confHigh = 0;
        for (Vote v : votes) {
            if (v.preferred() == low) {
                forLow++;
                confLow += v.confidence();
            } else {
                forHigh++;
                confHigh += v.confidence();
            }
        }
        if (forLow == forHigh) {
            return new Result(-1, 0, 0f, forLow + forHigh);
        }
        return forLow > forHigh ? new Result(low, forLow, confLow / forLow, forHigh)
                : new Result(high, forHigh, confHigh / forHigh, forLow);
    }

    private MajorityVote() {
    }
}
