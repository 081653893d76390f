package io.physmaster.encoder;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import io.physmaster.blob.BlobStore;
import io.physmaster.blob.BlobStores;
import io.physmaster.blob.Sha256;
import io.physmaster.model.Checkpoint;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.schemas.EncoderVersion;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Which physical head a model holds: the one seam between published encoder versions and a loaded model,
 * used by the worker (hot swap) and the trainer (reference and candidate). A version's checkpoint is fetched
 * from the blob store, refused unless it matches its published SHA-256 and its own checksums, and kept (heads
 * are kilobytes) so that switching back is free. A failed switch leaves the model with the head it had.
 */
public final class EncoderHeads {

    private final PhysMasterModel model;
    private final String baseVersion;
    private final BlobStore blobs;
    private final NDManager manager;
    private final byte[] baseHead;
    private final Map<String, byte[]> verified = new HashMap<>();
    private String current;

    /** @param baseVersion id of the head the checkpoint was loaded with (e.g. stage1) */
    public EncoderHeads(PhysMasterModel model, String baseVersion, BlobStore blobs, NDManager manager) {
        if (model.encoder() == null) {
            throw new IllegalArgumentException("the model has no PhysEncoder: there is no physical head to switch");
        }
        this.model = model;
        this.baseVersion = baseVersion;
        this.blobs = blobs;
        this.manager = manager;
        this.baseHead = snapshot();
        this.current = baseVersion;
    }

    /** The version id the model's head is now. */
    public synchronized String current() {
        return current;
    }

    public String baseVersion() {
        return baseVersion;
    }

    /** Makes the model's head that of {@code v} (the base head for null or the base id). */
    public synchronized void use(EncoderVersion v) throws IOException {
        String id = v == null ? baseVersion : v.getVersion();
        if (id.equals(current)) {
            return;
        }
        byte[] previous = snapshot();
        try {
            if (id.equals(baseVersion)) {
                restore(baseHead);
            } else {
                byte[] ckpt = verified.get(id);
                if (ckpt == null) {
                    ckpt = verifiedCheckpoint(v, blobs);
                }
                Checkpoint.load(ckpt, id, "head", model.config(), model.encoder().head(), manager);
                verified.put(id, ckpt);
            }
        } catch (IOException | RuntimeException e) {
            restore(previous);
            throw e;
        }
        current = id;
    }

    /** The head's parameters as bytes (to copy them into another model of the same config). */
    public synchronized byte[] snapshot() {
        return snapshot(model);
    }

    /** Copies parameters saved by {@link #snapshot} into the model's head; the caller says which version it is. */
    public synchronized void restore(byte[] head, String version) {
        restore(head);
        current = version;
    }

    private void restore(byte[] head) {
        restore(model, head, manager);
    }

    public static byte[] snapshot(PhysMasterModel m) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            m.encoder().head().saveParameters(new DataOutputStream(out));
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("could not copy the physical head", e);
        }
    }

    public static void restore(PhysMasterModel m, byte[] head, NDManager manager) {
        try {
            m.encoder().head().loadParameters(manager, new DataInputStream(new ByteArrayInputStream(head)));
        } catch (IOException | MalformedModelException e) {
            throw new IllegalStateException("could not restore the physical head", e);
        }
    }

    /** The version's checkpoint bytes, refused unless they match its SHA-256 and the file's own checksums. */
    public static byte[] verifiedCheckpoint(EncoderVersion v, BlobStore blobs) throws IOException {
        byte[] data = BlobStores.read(URI.create(v.getCheckpointUri()), blobs);
        String sha = Sha256.hex(data);
        if (!sha.equals(v.getSha256())) {
            throw new IOException("encoder " + v.getVersion() + ": checkpoint SHA-256 " + sha
                    + " does not match the published " + v.getSha256());
        }
        Checkpoint.readHeader(data);
        return data;
    }

    /** The model at {@code file} with the head of {@code v} (its own head for null or the base). */
    public static PhysMasterModel load(Path file, EncoderVersion v, String baseVersion, BlobStore blobs,
                                       NDManager manager) throws IOException {
        PhysMasterModel net = Models.load(file, manager);
        new EncoderHeads(net, baseVersion, blobs, manager).use(v);
        return net;
    }
}
