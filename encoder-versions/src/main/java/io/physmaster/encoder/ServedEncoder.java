package io.physmaster.encoder;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.physmaster.blob.BlobStore;
import io.physmaster.blob.BlobStores;
import io.physmaster.blob.Sha256;
import io.physmaster.model.Checkpoint;
import io.physmaster.model.LoraAdapters;
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
 * Which encoder version a loaded model serves: the one seam between published versions and a model, used by
 * the worker (hot swap), the trainer (its policy after a restart) and the demo. A version is a physical head
 * and, optionally, DiT LoRA adapters trained with it. Each checkpoint is fetched from the blob store, refused
 * unless it matches its published SHA-256 and its own checksums, and kept (heads and adapters are kilobytes)
 * so that switching back is free. A failed switch leaves the model exactly as it was.
 *
 * <p>Adapters are attached to the model the first time a version has them; a version without them then runs
 * with zeroed adapters (B = 0: the base DiT).
 */
public final class ServedEncoder {

    /** A model's encoder parameters as bytes: the head, and the adapters when attached (else null). */
    public record Snapshot(byte[] head, byte[] adapters) {
    }

    private final PhysMasterModel model;
    private final String baseVersion;
    private final BlobStore blobs;
    private final NDManager manager;
    private final byte[] baseHead;
    private final Map<String, byte[]> verified = new HashMap<>();
    private LoraAdapters adapters;
    private byte[] noAdapters;
    private String current;

    /** @param baseVersion id of the head the checkpoint was loaded with (e.g. stage1) */
    public ServedEncoder(PhysMasterModel model, String baseVersion, BlobStore blobs, NDManager manager) {
        if (model.encoder() == null) {
            throw new IllegalArgumentException("the model has no PhysEncoder: there is no physical head to switch");
        }
        this.model = model;
        this.baseVersion = baseVersion;
        this.blobs = blobs;
        this.manager = manager;
        this.baseHead = bytes(model.encoder().head());
        this.current = baseVersion;
    }

    /** The version id the model serves now. */
    public synchronized String current() {
        return current;
    }

    public String baseVersion() {
        return baseVersion;
    }

    /** Makes the model serve {@code v} (the base for null or the base id). */
    public synchronized void use(EncoderVersion v) throws IOException {
        String id = v == null ? baseVersion : v.getVersion();
        if (id.equals(current)) {
            return;
        }
        Snapshot previous = snapshot();
        try {
            if (id.equals(baseVersion)) {
                restore(new Snapshot(baseHead, noAdapters));
            } else {
                byte[] head = fetch(id + "/head", v.getCheckpointUri(), v.getSha256());
                Checkpoint.load(head, id, "head", model.config(), model.encoder().head(), manager);
                if (v.getAdaptersUri() != null) {
                    byte[] lora = fetch(id + "/adapters", v.getAdaptersUri(), v.getAdaptersSha256());
                    Checkpoint.Header h = Checkpoint.readHeader(lora);
                    attachAdapters(((Number) h.seeds().getOrDefault("lora_rank", 4)).intValue(),
                            ((Number) h.seeds().getOrDefault("lora_alpha", h.seeds().getOrDefault("lora_rank", 4)))
                                    .floatValue());
                    Checkpoint.load(lora, id, "lora", model.config(), adapters, manager);
                } else if (adapters != null) {
                    load(adapters, noAdapters);
                }
            }
        } catch (IOException | RuntimeException e) {
            restore(previous);
            throw e;
        }
        current = id;
    }

    /** The adapters attached to the model (attaching them if needed): what a trainer trains besides the head. */
    public synchronized LoraAdapters attachAdapters(int rank, float alpha) {
        if (adapters == null) {
            adapters = LoraAdapters.attach(model, rank, alpha, manager);
            noAdapters = bytes(adapters);
        } else if (adapters.rank() != rank) {
            throw new IllegalStateException("adapters of rank " + rank + " requested, the model has rank "
                    + adapters.rank());
        }
        return adapters;
    }

    public synchronized Snapshot snapshot() {
        return new Snapshot(bytes(model.encoder().head()), adapters == null ? null : bytes(adapters));
    }

    /** Puts a snapshot back (the caller says which version it is). */
    public synchronized void restore(Snapshot s, String version) {
        restore(s);
        current = version;
    }

    private void restore(Snapshot s) {
        load(model.encoder().head(), s.head());
        if (adapters != null) {
            load(adapters, s.adapters() != null ? s.adapters() : noAdapters);
        }
    }

    private byte[] fetch(String key, String uri, String sha) throws IOException {
        byte[] data = verified.get(key);
        if (data == null) {
            data = verifiedCheckpoint(uri, sha, blobs);
            verified.put(key, data);
        }
        return data;
    }

    private static byte[] bytes(Block b) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            b.saveParameters(new DataOutputStream(out));
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("could not copy parameters", e);
        }
    }

    private void load(Block b, byte[] data) {
        try {
            b.loadParameters(manager, new DataInputStream(new ByteArrayInputStream(data)));
        } catch (IOException | MalformedModelException e) {
            throw new IllegalStateException("could not restore parameters", e);
        }
    }

    /** A checkpoint's bytes, refused unless they match the published SHA-256 and the file's own checksums. */
    public static byte[] verifiedCheckpoint(String uri, String sha256, BlobStore blobs) throws IOException {
        byte[] data = BlobStores.read(URI.create(uri), blobs);
        String sha = Sha256.hex(data);
        if (!sha.equals(sha256)) {
            throw new IOException("checkpoint SHA-256 " + sha + " does not match the published " + sha256);
        }
        Checkpoint.readHeader(data);
        return data;
    }

    /** The model at {@code file} serving {@code v} (its own head for null or the base). */
    public static PhysMasterModel load(Path file, EncoderVersion v, String baseVersion, BlobStore blobs,
                                       NDManager manager) throws IOException {
        PhysMasterModel net = Models.load(file, manager);
        new ServedEncoder(net, baseVersion, blobs, manager).use(v);
        return net;
    }
}
