package io.physmaster.versions;

import io.physmaster.schemas.EncoderVersion;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Ed25519 signatures on encoder versions: the SHA-256 in a version proves its checkpoint's integrity, the
 * signature proves the trainer published it, so writing the encoder-versions topic is not enough to roll out
 * a checkpoint. The signed bytes cover every field but {@code createdAt} (a rollback republishes an old version
 * with a new time and keeps its signature) and the signature fields themselves. Plain JDK (java.security).
 */
public final class VersionSignatures {

    public static final String ALGORITHM = "Ed25519";
    /** Starts the signed bytes: a later layout gets a new tag, never a silent reinterpretation. */
    private static final String LAYOUT = "physmaster.encoder-version.v1";

    /** {@code v} with its signature and signer fingerprint set. */
    public static EncoderVersion sign(EncoderVersion v, PrivateKey key, PublicKey publicKey) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(key);
            s.update(signedBytes(v));
            return EncoderVersion.newBuilder(v).setSignature(Base64.getEncoder().encodeToString(s.sign()))
                    .setSignerKey(fingerprint(publicKey)).build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing encoder version " + v.getVersion() + " failed: " + e.getMessage(),
                    e);
        }
    }

    /**
     * Throws unless {@code v} carries a signature that {@code trusted} verifies; the message says why (unsigned,
     * malformed, signed by another key, or content changed after signing).
     */
    public static void verify(EncoderVersion v, PublicKey trusted) throws UntrustedVersionException {
        String id = v.getVersion();
        if (v.getSignature() == null) {
            throw new UntrustedVersionException(id, "unsigned");
        }
        byte[] sig;
        try {
            sig = Base64.getDecoder().decode(v.getSignature());
        } catch (IllegalArgumentException e) {
            throw new UntrustedVersionException(id, "signature is not base64");
        }
        boolean ok;
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(trusted);
            s.update(signedBytes(v));
            ok = s.verify(sig);
        } catch (GeneralSecurityException e) {
            ok = false; // a signature of the wrong length or form: as bad as a wrong one
        }
        if (!ok) {
            String expected = fingerprint(trusted);
            String signer = v.getSignerKey();
            throw new UntrustedVersionException(id, signer != null && !signer.equals(expected)
                    ? "signed by key " + signer + ", the trusted trainer key is " + expected
                    : "signature does not verify against the trusted trainer key " + expected
                    + " (content changed after signing, or a forged signature)");
        }
    }

    /** First 16 hex digits of the SHA-256 of the key's X.509 encoding: enough to tell keys apart in logs. */
    public static String fingerprint(PublicKey key) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The bytes a signature covers: each field length-prefixed in a fixed order, maps sorted by key. */
    static byte[] signedBytes(EncoderVersion v) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            text(out, LAYOUT);
            text(out, v.getVersion());
            text(out, v.getParent());
            text(out, v.getCheckpointUri());
            text(out, v.getSha256());
            text(out, v.getAdaptersUri());
            text(out, v.getAdaptersSha256());
            figures(out, v.getTrainingFigures());
            figures(out, v.getEvaluationFigures());
            List<String> ids = v.getBatchIds();
            out.writeInt(ids.size());
            for (CharSequence id : ids) {
                text(out, id);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory: does not happen
        }
        return bytes.toByteArray();
    }

    private static void figures(DataOutputStream out, Map<? extends CharSequence, Double> figures) throws IOException {
        TreeMap<String, Double> sorted = new TreeMap<>();
        figures.forEach((k, x) -> sorted.put(k.toString(), x));
        out.writeInt(sorted.size());
        for (var e : sorted.entrySet()) {
            text(out, e.getKey());
            out.writeLong(Double.doubleToLongBits(e.getValue()));
        }
    }

    /** -1 for null, else the UTF-8 length and bytes: null and "" sign differently. */
    private static void text(DataOutputStream out, CharSequence s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.toString().getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private VersionSignatures() {
    }
}
