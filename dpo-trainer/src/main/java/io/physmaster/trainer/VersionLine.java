package io.physmaster.trainer;

import io.physmaster.schemas.EncoderVersion;
import java.util.Collection;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The line of encoder versions the trainer continues: which version the next one follows and what it is called
 * (online-0001-..., online-0002-...). The compacted topic, read by the trainer's follower, is the record of what
 * was published; this adds what the follower may not have read yet:
 * <ul>
 *   <li>the trainer's own last publication: the follower reads it back a poll later, and a batch handled in the
 *       meantime must not take the same number or the older parent;</li>
 *   <li>the highest number ever used, so numbers keep rising after a rollback (which makes an old version
 *       current again) and across a takeover from another trainer.</li>
 * </ul>
 * Not thread-safe: the trainer's loop is its only user.
 */
final class VersionLine {

    private static final Pattern ORDINAL = Pattern.compile("online-(\\d+)-.*");

    private final String baseVersion;
    /** The version the policy holds: the last one this trainer published or resumed from (null: the base). */
    private EncoderVersion own;
    private int highest;

    VersionLine(String baseVersion) {
        this.baseVersion = baseVersion;
    }

    /** The number in a version id ({@code online-0007-...} is 7), 0 for any other id. */
    static int ordinal(String version) {
        Matcher m = ORDINAL.matcher(version);
        return m.matches() ? Integer.parseInt(m.group(1)) : 0;
    }

    /**
     * The version in service: the follower's, unless it has not yet read this trainer's own last publication
     * ({@code known} is the follower's lookup by id).
     */
    EncoderVersion current(EncoderVersion fromFollower, Function<String, EncoderVersion> known) {
        if (own != null && known.apply(own.getVersion()) == null) {
            return own;
        }
        return fromFollower;
    }

    /** The id of the version after {@code current}: one above every number used so far; the tag tells them apart. */
    String nextId(EncoderVersion current, String tag) {
        int after = Math.max(highest, current == null ? 0 : ordinal(current.getVersion()));
        return String.format("online-%04d-%s", after + 1, tag);
    }

    /** Numbers used by versions on the topic (e.g. another trainer's, read when taking over). */
    void observe(Collection<String> versionIds) {
        for (String id : versionIds) {
            highest = Math.max(highest, ordinal(id));
        }
    }

    /** This trainer published {@code v} (acknowledged): the policy is that version. */
    void published(EncoderVersion v) {
        own = v;
        highest = Math.max(highest, ordinal(v.getVersion()));
    }

    /** The policy was reloaded from {@code v}. */
    void resumed(EncoderVersion v) {
        own = v;
        highest = Math.max(highest, ordinal(v.getVersion()));
    }

    /**
     * Whether the policy must be reloaded from {@code inService} before training on: it is a version this trainer
     * neither published nor resumed from (another trainer's, or a rollback), and not the base the policy starts as.
     */
    boolean needsResume(EncoderVersion inService) {
        if (inService == null || inService.getVersion().equals(baseVersion)) {
            return false;
        }
        return own == null || !own.getVersion().equals(inService.getVersion());
    }
}
