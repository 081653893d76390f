package io.physmaster.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.physmaster.blob.LocalBlobStore;
import io.physmaster.blob.Sha256;
import io.physmaster.encoder.ServedEncoder;
import io.physmaster.model.Checkpoint;
import io.physmaster.model.ModelConfig;
import io.physmaster.model.ModelRuntime;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.versions.TrainerKeys;
import io.physmaster.versions.VersionSignatures;
import io.physmaster.versions.VersionTrust;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worker's version handling: only versions signed by the trusted trainer key reach the loaded head. */
class EncoderRoutingTest {

    static final ModelConfig SMALL = new ModelConfig(16, 32, 4, 16, 2, 1, 16, 8);

    @TempDir
    Path dir;

    @Test
    void aForgedVersionWithAValidHashButABadSignatureIsRefusedAndTheSignedOneKeepsServing() throws Exception {
        ModelRuntime.setUp();
        LocalBlobStore blobs = new LocalBlobStore(dir.resolve("blobs"));
        TrainerKeys.Loaded trainer = TrainerKeys.loadOrCreate(dir.resolve("keys/trainer.key"));
        try (NDManager m = NDManager.newBaseManager(); WorkerMetrics metrics = new WorkerMetrics("w-test")) {
            PhysMasterModel net = Models.create(SMALL, m);
            byte[] good = head(net, 0.01f);
            byte[] evil = head(net, 0.5f);
            Map<String, EncoderVersion> published = new HashMap<>();
            ServedEncoder heads = new ServedEncoder(net, "stage1", blobs, m);
            EncoderRouting routing = new EncoderRouting(heads, published::get,
                    VersionTrust.ofFile(TrainerKeys.publicFile(trainer.file())), "stage1", metrics);

            EncoderVersion v2 = VersionSignatures.sign(version("v2", blobs.put("encoders/v2.pmck", good,
                    "application/octet-stream"), good), trainer.pair().getPrivate(), trainer.pair().getPublic());
            published.put("v2", v2);
            assertTrue(routing.serve("v2"));
            assertEquals("v2", routing.served());
            byte[] weightsServed = heads.snapshot().head();

            // The evil checkpoint with its own, valid SHA-256, carrying v2's signature.
            URI evilUri = blobs.put("encoders/v3.pmck", evil, "application/octet-stream");
            EncoderVersion forged = EncoderVersion.newBuilder(version("v3", evilUri, evil))
                    .setSignature(v2.getSignature()).setSignerKey(v2.getSignerKey()).build();
            published.put("v3", forged);
            assertFalse(routing.serve("v3"));
            assertEquals("v2", routing.served(), "the old version keeps serving");
            assertArrayEquals(weightsServed, heads.snapshot().head(), "the loaded weights did not change");
            assertFalse(routing.canServe("v3"), "a refused version is not tried again");
            assertTrue(metrics.scrape().contains("reason=\"bad_signature\""), metrics.scrape());

            // Unsigned, and signed by a key the worker does not trust: refused the same way.
            TrainerKeys.Loaded other = TrainerKeys.loadOrCreate(dir.resolve("keys/other.key"));
            published.put("v4", version("v4", evilUri, evil));
            published.put("v5", VersionSignatures.sign(version("v5", evilUri, evil), other.pair().getPrivate(),
                    other.pair().getPublic()));
            assertFalse(routing.serve("v4"));
            assertFalse(routing.serve("v5"));
            assertEquals("v2", routing.served());
        }
    }

    /** The model's head with every weight shifted by {@code delta}, as checkpoint bytes (the model is unchanged). */
    private byte[] head(PhysMasterModel net, float delta) throws Exception {
        net.encoder().head().getParameters().forEach(p -> p.getValue().getArray().addi(delta));
        Path f = Files.createTempFile(dir, "head", ".pmck");
        Checkpoint.save(f, "head", SMALL, net.encoder().head(), 1, Map.of(), Map.of());
        net.encoder().head().getParameters().forEach(p -> p.getValue().getArray().subi(delta));
        return Files.readAllBytes(f);
    }

    private static EncoderVersion version(String id, URI uri, byte[] head) {
        return EncoderVersion.newBuilder().setVersion(id).setParent("stage1").setCheckpointUri(uri.toString())
                .setSha256(Sha256.hex(head)).setCreatedAt(Instant.now()).build();
    }
}
