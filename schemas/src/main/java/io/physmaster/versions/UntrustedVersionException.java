package io.physmaster.versions;

/** An encoder version whose origin cannot be shown: it is refused and the version in service stays. */
public final class UntrustedVersionException extends Exception {

    private final String version;
    private final String reason;

    public UntrustedVersionException(String version, String reason) {
        super("encoder version " + version + " refused: " + reason);
        this.version = version;
        this.reason = reason;
    }

    public String version() {
        return version;
    }

    /** Why, in a few words (for log lines and metrics). */
    public String reason() {
        return reason;
    }
}
