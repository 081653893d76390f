package io.physmaster.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.schemas.EncoderVersion;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the trainer names the next version and what it follows, across its own publications and takeovers. */
class VersionLineTest {

    private final Map<String, EncoderVersion> followed = new HashMap<>(); // what the topic's follower has read
    private final VersionLine line = new VersionLine("stage1");

    private static EncoderVersion version(String id, String... batches) {
        return EncoderVersion.newBuilder().setVersion(id).setCheckpointUri("file:/v/" + id).setSha256("0".repeat(64))
                .setBatchIds(List.of(batches)).setCreatedAt(Instant.EPOCH).build();
    }

    private EncoderVersion follow(EncoderVersion v) {
        followed.put(v.getVersion(), v);
        return v;
    }

    @Test
    void theFirstVersionIsOneAndTheBaseNeedsNoResume() {
        assertEquals("online-0001-wab", line.nextId(line.current(null, followed::get), "wab"));
        assertFalse(line.needsResume(null));
        assertFalse(line.needsResume(version("stage1")));
    }

    @Test
    void aBatchHandledBeforeTheFollowerReadsTheLastPublicationFollowsThatPublication() {
        EncoderVersion one = follow(version("online-0001-wa", "a"));
        line.published(one);
        EncoderVersion two = version("online-0002-wb", "a", "b");
        line.published(two); // acknowledged, not read back yet
        EncoderVersion current = line.current(one, followed::get);
        assertSame(two, current, "the parent is the trainer's own last version, not the follower's older one");
        assertEquals("online-0003-wc", line.nextId(current, "wc"));
        follow(two);
        assertSame(two, line.current(two, followed::get));
        assertFalse(line.needsResume(two), "its own version: the policy already is it");
    }

    @Test
    void takingOverContinuesAfterTheOtherTrainersLastNumberAndResumesFromIt() {
        EncoderVersion mine = follow(version("online-0001-wa", "a"));
        line.resumed(mine); // loaded when this trainer started as a standby
        EncoderVersion theirs = null;
        for (int i = 2; i <= 5; i++) {
            theirs = follow(version("online-000" + i + "-w" + i, "a", "b" + i));
        }
        line.observe(followed.keySet());
        assertTrue(line.needsResume(theirs), "another trainer published since: reload the policy from it");
        line.resumed(theirs);
        assertFalse(line.needsResume(theirs));
        assertEquals("online-0006-wx", line.nextId(line.current(theirs, followed::get), "wx"));
    }

    @Test
    void afterARollbackNumbersStillRiseAndNoneIsUsedTwice() {
        for (int i = 1; i <= 3; i++) {
            line.published(follow(version("online-000" + i + "-w" + i)));
        }
        EncoderVersion rolledBack = followed.get("online-0001-w1"); // republished: current again
        EncoderVersion current = line.current(rolledBack, followed::get);
        assertSame(rolledBack, current, "the follower has read every own version: it says what serves");
        assertTrue(line.needsResume(current), "the policy is version 3, the version in service is 1");
        assertEquals("online-0004-wy", line.nextId(current, "wy"));
    }

    @Test
    void idsThatAreNotOnlineVersionsCountAsZero() {
        assertEquals(0, VersionLine.ordinal("stage1"));
        assertEquals(0, VersionLine.ordinal("online-x-1"));
        assertEquals(12, VersionLine.ordinal("online-0012-c40"));
    }
}
