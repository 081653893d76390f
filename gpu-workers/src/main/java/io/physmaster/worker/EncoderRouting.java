package io.physmaster.worker;

import io.physmaster.encoder.ServedEncoder;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.versions.UntrustedVersionException;
import io.physmaster.versions.VersionTrust;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which encoder version (physical head) serves a request, and swapping the loaded head to it. Before a swap
 * the version's signature is checked against the trusted trainer key (the version feed checks too; this is
 * the last gate before the weights change). A version that is not signed by that key, or whose checkpoint
 * fails to load or verify, is remembered as bad and not tried again; the head in service stays.
 */
final class EncoderRouting {

    private static final Logger log = LoggerFactory.getLogger(EncoderRouting.class);

    /** Null when the model has no PhysEncoder: every request is then served as version "none". */
    private final ServedEncoder heads;
    private final Function<String, EncoderVersion> versions;
    private final VersionTrust trust;
    private final String baseVersion;
    private final WorkerMetrics metrics;
    private final Set<String> bad = new HashSet<>();

    /** @param versions published versions by id (null: unknown) */
    EncoderRouting(ServedEncoder heads, Function<String, EncoderVersion> versions, VersionTrust trust,
                   String baseVersion, WorkerMetrics metrics) {
        this.heads = heads;
        this.versions = versions;
        this.trust = trust;
        this.baseVersion = baseVersion;
        this.metrics = metrics;
    }

    /** The version to serve when a request does not pin one: the latest published, unless it is bad. */
    String target(EncoderVersion latest) {
        if (heads == null) {
            return "none";
        }
        if (latest == null || bad.contains(latest.getVersion())) {
            return served();
        }
        return latest.getVersion();
    }

    boolean canServe(String version) {
        if (bad.contains(version)) {
            return false;
        }
        return version.equals(served()) || version.equals(baseVersion) || versions.apply(version) != null
                || (heads == null && version.equals("none"));
    }

    /** Makes the physical head the given version's; false (and the old head kept) if it cannot. */
    boolean serve(String version) {
        if (heads == null || version.equals(heads.current())) {
            return true;
        }
        String from = heads.current();
        try {
            EncoderVersion v = version.equals(baseVersion) ? null : versions.apply(version);
            if (v != null) {
                trust.check(v); // the base is the worker's own checkpoint: nothing to verify
            }
            heads.use(v);
            log.info("event=encoder_swapped from={} to={}", from, version);
            metrics.encoderSwaps.incrementAndGet();
            return true;
        } catch (UntrustedVersionException e) {
            bad.add(version);
            metrics.error("bad_signature");
            log.error("event=encoder_refused version={} keep_serving={} reason=\"{}\"", version, from, e.reason());
            return false;
        } catch (IOException | RuntimeException e) {
            bad.add(version);
            metrics.error("bad_checkpoint");
            log.error("event=encoder_refused version={} keep_serving={} reason=\"{}\"", version, from,
                    e.getMessage());
            return false;
        }
    }

    /** The encoder version currently loaded ("none" for a model without a PhysEncoder). */
    String served() {
        return heads == null ? "none" : heads.current();
    }
}
