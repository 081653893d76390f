package io.physmaster.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.schemas.PreferencePair;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplayBufferTest {

    static PreferencePair pair(String request, String preferred, String rejected) {
        return PreferencePair.newBuilder().setRequestId(request).setPreferredUri(preferred).setRejectedUri(rejected)
                .setEncoderVersion("stage1").build();
    }

    static List<PreferencePair> batch(int from, int n) {
        List<PreferencePair> out = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            out.add(pair("r" + i, "file:/v/" + i + "-0.pmv", "file:/v/" + i + "-1.pmv"));
        }
        return out;
    }

    @Test
    void aBatchReadTwiceIsCountedOnce() {
        ReplayBuffer replay = new ReplayBuffer(100);
        assertEquals(new ReplayBuffer.Added(8, 0, 0), replay.addAll(batch(0, 8)));
        assertEquals(new ReplayBuffer.Added(0, 0, 8), replay.addAll(batch(0, 8)), "a redelivered batch adds nothing");
        assertEquals(new ReplayBuffer.Added(4, 0, 4), replay.addAll(batch(4, 8)), "overlap: only the new four");
        assertEquals(12, replay.size());
    }

    @Test
    void theOldestPairsGoFirstWhenFull() {
        ReplayBuffer replay = new ReplayBuffer(10);
        replay.addAll(batch(0, 8));
        replay.addAll(batch(8, 8));
        assertEquals(10, replay.size());
        assertEquals(batch(6, 10), replay.pairs(), "pairs 6..15 stay, oldest first");
    }

    @Test
    void aLaterOppositeVerdictOnTheSamePairReplacesTheEarlierOne() {
        ReplayBuffer replay = new ReplayBuffer(100);
        replay.addAll(batch(0, 3));
        PreferencePair flipped = pair("r0", "file:/v/0-1.pmv", "file:/v/0-0.pmv");
        assertEquals(ReplayBuffer.pairId(batch(0, 1).get(0)), ReplayBuffer.pairId(flipped), "one pair, either order");
        assertEquals(new ReplayBuffer.Added(0, 1, 0), replay.addAll(List.of(flipped)));
        assertEquals(3, replay.size(), "not a fourth pair that would cancel the first");
        assertEquals(flipped, replay.pairs().get(2), "the newer verdict, now the newest pair");
        assertTrue(ReplayBuffer.pairId(pair("r1", "a", "b")).compareTo(ReplayBuffer.pairId(pair("r2", "a", "b"))) != 0,
                "the same URIs under another request are another pair");
    }

    @Test
    void samplesComeFromTheBufferAndCoverIt() {
        ReplayBuffer replay = new ReplayBuffer(100);
        assertTrue(replay.sample(16, new Random(1)).isEmpty(), "an empty buffer gives nothing");
        replay.addAll(batch(0, 5));
        assertEquals(3, replay.sample(3, new Random(1)).size());
        assertEquals(5, replay.sample(16, new Random(1)).size(), "no more than the buffer holds per draw");
        Set<PreferencePair> seen = new HashSet<>();
        Random rnd = new Random(2);
        for (int i = 0; i < 50; i++) {
            seen.addAll(replay.sample(5, rnd));
        }
        assertEquals(new HashSet<>(batch(0, 5)), seen);
        replay.addAll(batch(5, 1));
        replay.remove(batch(0, 1).get(0));
        seen.clear();
        for (int i = 0; i < 50; i++) {
            seen.addAll(replay.sample(5, rnd));
        }
        assertEquals(new HashSet<>(batch(1, 5)), seen, "added and removed pairs are reflected in the draws");
    }

    @Test
    void aCapacityBelowOneIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ReplayBuffer(0));
        assertTrue(e.getMessage().contains("replay capacity"), e.getMessage());
    }
}
