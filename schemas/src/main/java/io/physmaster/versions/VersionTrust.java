package io.physmaster.versions;

import io.physmaster.schemas.EncoderVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;

/**
 * The trainer public key a consumer of encoder versions trusts. From a file it is read at each check
 * (versions are rare; a worker started before the trainer's first start, which creates the key, then needs no
 * restart, and a replaced key file takes effect on the next version).
 */
public final class VersionTrust {

    private final Path file;
    private final PublicKey key;

    private VersionTrust(Path file, PublicKey key) {
        this.file = file;
        this.key = key;
    }

    public static VersionTrust ofFile(Path publicKeyFile) {
        return new VersionTrust(publicKeyFile, null);
    }

    public static VersionTrust of(PublicKey key) {
        return new VersionTrust(null, key);
    }

    /** Throws unless {@code v} is signed by the trusted key; the exception's reason says why not. */
    public void check(EncoderVersion v) throws UntrustedVersionException {
        VersionSignatures.verify(v, key(v.getVersion()));
    }

    private PublicKey key(String version) throws UntrustedVersionException {
        if (key != null) {
            return key;
        }
        if (!Files.exists(file)) {
            throw new UntrustedVersionException(version, "no trainer public key at " + file
                    + " (set PHYSMASTER_TRAINER_PUBLIC_KEY to the trainer's .pub file)");
        }
        try {
            return TrainerKeys.readPublic(file);
        } catch (IOException e) {
            throw new UntrustedVersionException(version, "trainer public key unreadable: " + e.getMessage());
        }
    }

    /** Where the key comes from, for start-up lines. */
    public String describe() {
        return file != null ? file.toString() : "key " + VersionSignatures.fingerprint(key);
    }
}
