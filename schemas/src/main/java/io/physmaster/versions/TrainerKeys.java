package io.physmaster.versions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * The trainer's Ed25519 key pair in PEM files (PKCS#8 private key, X.509 public key: the same files
 * {@code openssl genpkey -algorithm ed25519} and {@code openssl pkey -pubout} write). The private key file is
 * created owner-only (0600); its public half goes next to it as {@code <name>.pub}, which is what workers
 * are given.
 */
public final class TrainerKeys {

    private static final String PRIVATE = "PRIVATE KEY";
    private static final String PUBLIC = "PUBLIC KEY";

    /** A loaded pair and where its private half lives. */
    public record Loaded(KeyPair pair, Path file, boolean created) {
        public String fingerprint() {
            return VersionSignatures.fingerprint(pair.getPublic());
        }
    }

    /** The public key file that goes with a private key file. */
    public static Path publicFile(Path privateFile) {
        return privateFile.resolveSibling(privateFile.getFileName() + ".pub");
    }

    /**
     * The pair in {@code privateFile}, or a new pair written there (0600) with its public key beside it. A
     * private key readable by others is refused: whoever reads it can sign versions.
     */
    public static Loaded loadOrCreate(Path privateFile) throws IOException {
        if (!Files.exists(privateFile)) {
            try {
                return create(privateFile);
            } catch (FileAlreadyExistsException racing) {
                awaitPrivateKey(privateFile); // another process is creating the pair: use theirs
            }
        }
        requireOwnerOnly(privateFile);
        PrivateKey priv = readPrivate(privateFile);
        PublicKey pub = publicOf(privateFile, priv);
        return new Loaded(new KeyPair(pub, priv), privateFile, false);
    }

    /**
     * Writes the public key to {@code file} too (e.g. a directory shared with workers, which must never see
     * the private key), unless that file already holds it. Returns whether it wrote.
     */
    public static boolean exportPublic(Loaded key, Path file) throws IOException {
        String pem = pem(PUBLIC, key.pair().getPublic().getEncoded());
        if (Files.exists(file) && Files.readString(file, StandardCharsets.US_ASCII).equals(pem)) {
            return false;
        }
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".trainer", ".pub");
        Files.writeString(tmp, pem, StandardCharsets.US_ASCII);
        // Readers see the old file or the new one, never half of one.
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    /** Reads a PEM public key (X.509 SubjectPublicKeyInfo). */
    public static PublicKey readPublic(Path file) throws IOException {
        try {
            return KeyFactory.getInstance(VersionSignatures.ALGORITHM)
                    .generatePublic(new X509EncodedKeySpec(pem(file, PUBLIC)));
        } catch (GeneralSecurityException e) {
            throw new IOException(file + " is not an Ed25519 public key: " + e.getMessage(), e);
        }
    }

    static PrivateKey readPrivate(Path file) throws IOException {
        try {
            return KeyFactory.getInstance(VersionSignatures.ALGORITHM)
                    .generatePrivate(new PKCS8EncodedKeySpec(pem(file, PRIVATE)));
        } catch (GeneralSecurityException e) {
            throw new IOException(file + " is not an Ed25519 private key: " + e.getMessage(), e);
        }
    }

    private static Loaded create(Path privateFile) throws IOException {
        KeyPair pair;
        try {
            pair = KeyPairGenerator.getInstance(VersionSignatures.ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no Ed25519", e);
        }
        Path dir = privateFile.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // Both halves are written whole into temporary files (the private one created 0600: never readable by
        // others, not even briefly), then linked into place, public first. A link never replaces: of two trainers
        // starting at once exactly one wins the public key's name, and the other waits for the winner's private
        // key, which appears whole and only after its public key.
        Path privTmp = Files.createTempFile(dir, ".trainer-key", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Path pubTmp = Files.createTempFile(dir, ".trainer-key-pub", ".tmp");
        try {
            Files.writeString(privTmp, pem(PRIVATE, pair.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
            Files.writeString(pubTmp, pem(PUBLIC, pair.getPublic().getEncoded()), StandardCharsets.US_ASCII);
            Files.createLink(publicFile(privateFile), pubTmp);
            Files.createLink(privateFile, privTmp);
        } finally {
            Files.deleteIfExists(privTmp);
            Files.deleteIfExists(pubTmp);
        }
        return new Loaded(pair, privateFile, true);
    }

    /** Waits (at most 10 s) for the process that won the race for the public key to link its private key. */
    private static void awaitPrivateKey(Path privateFile) throws IOException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!Files.exists(privateFile)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("public key " + publicFile(privateFile) + " exists without its private key "
                        + privateFile + ": remove the public key to make a new pair");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted waiting for " + privateFile);
            }
        }
    }

    /** The public half: from the .pub file when present and matching, else derived by signing a probe. */
    private static PublicKey publicOf(Path privateFile, PrivateKey priv) throws IOException {
        Path pubFile = publicFile(privateFile);
        if (!Files.exists(pubFile)) {
            throw new IOException("no public key " + pubFile + " next to " + privateFile
                    + " (write it with: openssl pkey -in " + privateFile + " -pubout -out " + pubFile + ")");
        }
        PublicKey pub = readPublic(pubFile);
        try {
            byte[] probe = "physmaster key check".getBytes(StandardCharsets.US_ASCII);
            java.security.Signature s = java.security.Signature.getInstance(VersionSignatures.ALGORITHM);
            s.initSign(priv);
            s.update(probe);
            byte[] sig = s.sign();
            s.initVerify(pub);
            s.update(probe);
            if (!s.verify(sig)) {
                throw new IOException(pubFile + " is not the public half of " + privateFile);
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("checking " + pubFile + " against " + privateFile + " failed: " + e.getMessage(), e);
        }
        return pub;
    }

    private static void requireOwnerOnly(Path file) throws IOException {
        try {
            String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
            if (!perms.substring(3).equals("------")) {
                throw new IOException("trainer private key " + file + " is readable by others (" + perms
                        + "); run: chmod 600 " + file);
            }
        } catch (UnsupportedOperationException notPosix) {
            // e.g. Windows: permissions are ACLs there, not checked here
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static byte[] pem(Path file, String type) throws IOException {
        String s = Files.readString(file, StandardCharsets.US_ASCII);
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int b = s.indexOf(begin);
        int e = s.indexOf(end);
        if (b < 0 || e < b) {
            throw new IOException(file + " holds no PEM " + type);
        }
        try {
            return Base64.getMimeDecoder().decode(s.substring(b + begin.length(), e));
        } catch (IllegalArgumentException ex) {
            throw new IOException(file + ": the PEM body is not base64", ex);
        }
    }

    private TrainerKeys() {
    }
}
