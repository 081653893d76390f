package io.physmaster.sim;

/**
 * Dataset splits. SEEN_TEST draws from the training distribution with other seeds; UNSEEN_TEST uses
 * shape-material combinations and drop heights that never occur in TRAIN (see {@link SceneGenerator}).
 */
public enum Split {
    TRAIN, SEEN_TEST, UNSEEN_TEST;

    /** "train", "seen", "unseen": the names the CLIs and result tables use. */
    public String shortName() {
        return switch (this) {
            case TRAIN -> "train";
            case SEEN_TEST -> "seen";
            case UNSEEN_TEST -> "unseen";
        };
    }

    public static Split parse(String s) {
        return switch (s.toLowerCase()) {
            case "train" -> TRAIN;
            case "seen", "seen_test", "seen-test" -> SEEN_TEST;
            case "unseen", "unseen_test", "unseen-test" -> UNSEEN_TEST;
            default -> throw new IllegalArgumentException("unknown split '" + s + "' (train, seen, unseen)");
        };
    }
}
