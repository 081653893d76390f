package io.physmaster.model;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Our checkpoint file (".pmck"): a JSON header, then the block's parameters, gzip-compressed.
 * <pre>
 *   "PMCK2" | int header length | header JSON (UTF-8) | payload = gzip(DJL saveParameters bytes)
 *   header: { kind, config, step, seeds, sha256 (of the payload), payloadBytes, figures }
 * </pre>
 * Loading checks the magic, the kind, that the architecture config equals the model's, and the payload's
 * SHA-256, and says which check failed. Files are written to a temp name and renamed, so a crash never
 * leaves half a checkpoint under the real name.
 */
public final class Checkpoint {

    // Format 2: the DiT predicts clean frames relative to the first frame (see VideoFlowTransformer). Format-1
    // files hold velocity-predicting weights of the same shapes, which would load silently and sample garbage.
    private static final byte[] MAGIC = "PMCK2".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MAGIC_V1 = "PMCK1".getBytes(StandardCharsets.US_ASCII);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a checkpoint holds besides the weights. */
    public record Header(String kind, ModelConfig config, long step, Map<String, Object> seeds, String sha256,
                        long payloadBytes, Map<String, Double> figures) {
    }

    public static Header save(Path file, String kind, ModelConfig config, Block block, long step,
                              Map<String, Object> seeds, Map<String, Double> figures) throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(raw))) {
            block.saveParameters(out);
        }
        byte[] payload = raw.toByteArray();
        Header header = new Header(kind, config, step, seeds, sha256(payload), payload.length, figures);
        byte[] json = JSON.writeValueAsBytes(header);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".ckpt-", ".tmp");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(tmp))) {
            out.write(MAGIC);
            out.writeInt(json.length);
            out.write(json);
            out.write(payload);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return header;
    }

    /** Reads and verifies the header and payload without loading weights. */
    public static Header readHeader(byte[] data) throws IOException {
        return parse(data).header;
    }

    /** Loads weights into {@code block}, refusing a file of another kind, architecture, or a corrupt one. */
    public static Header load(Path file, String kind, ModelConfig expected, Block block, NDManager manager)
            throws IOException {
        return load(Files.readAllBytes(file), file.toString(), kind, expected, block, manager);
    }

    public static Header load(byte[] data, String name, String kind, ModelConfig expected, Block block,
                              NDManager manager) throws IOException {
        Parsed p;
        try {
            p = parse(data);
        } catch (IOException e) {
            throw new IOException("Checkpoint " + name + " is unreadable: " + e.getMessage(), e);
        }
        if (!p.header.kind().equals(kind)) {
            throw new IOException("Checkpoint " + name + " holds a '" + p.header.kind() + "', not a '" + kind + "'");
        }
        if (expected != null && !expected.equals(p.header.config())) {
            throw new IOException("Checkpoint " + name + " was trained for architecture " + p.header.config()
                    + ", but the model is " + expected);
        }
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(new ByteArrayInputStream(p.payload)))) {
            block.loadParameters(manager, in);
            // Loaded arrays are new: trainable parameters must track gradients again.
            for (var param : block.getParameters()) {
                if (param.getValue().requiresGradient()) {
                    param.getValue().getArray().setRequiresGradient(true);
                }
            }
        } catch (MalformedModelException | RuntimeException e) {
            throw new IOException("Checkpoint " + name + " does not fit the model: " + e.getMessage(), e);
        }
        return p.header;
    }

    private record Parsed(Header header, byte[] payload) {
    }

    private static Parsed parse(byte[] data) throws IOException {
        if (data.length >= MAGIC.length
                && java.util.Arrays.equals(java.util.Arrays.copyOf(data, MAGIC.length), MAGIC_V1)) {
            throw new IOException("checkpoint format 1 (velocity-predicting DiT) is no longer supported:"
                    + " retrain it with ./physmaster train (see models/README.md)");
        }
        if (data.length < MAGIC.length + 4
                || !java.util.Arrays.equals(java.util.Arrays.copyOf(data, MAGIC.length), MAGIC)) {
            throw new IOException("not a PhysMaster checkpoint (bad magic)");
        }
        int len = java.nio.ByteBuffer.wrap(data, MAGIC.length, 4).getInt();
        int start = MAGIC.length + 4;
        if (len <= 0 || start + len > data.length) {
            throw new IOException("corrupt header length " + len);
        }
        Header header;
        try {
            header = JSON.readValue(data, start, len, Header.class);
        } catch (IOException e) {
            throw new IOException("corrupt header: " + e.getMessage(), e);
        }
        byte[] payload = java.util.Arrays.copyOfRange(data, start + len, data.length);
        if (payload.length != header.payloadBytes()) {
            throw new IOException("payload is " + payload.length + " bytes, header says " + header.payloadBytes()
                    + " (truncated file?)");
        }
        String sha = sha256(payload);
        if (!sha.equals(header.sha256())) {
            throw new IOException("payload SHA-256 " + sha + " does not match the header's " + header.sha256()
                    + " (corrupted file)");
        }
        return new Parsed(header, payload);
    }

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode json() {
        return JSON.createObjectNode();
    }

    private Checkpoint() {
    }
}
