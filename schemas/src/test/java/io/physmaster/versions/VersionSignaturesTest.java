package io.physmaster.versions;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.schemas.EncoderVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VersionSignaturesTest {

    @TempDir
    Path dir;

    static EncoderVersion version() {
        return EncoderVersion.newBuilder().setVersion("online-0003-w7").setParent("online-0002-w5")
                .setCheckpointUri("s3://blobs/encoders/online-0003-head.pmck").setSha256("ab".repeat(32))
                .setAdaptersUri("s3://blobs/encoders/online-0003-lora.pmck").setAdaptersSha256("cd".repeat(32))
                .setTrainingFigures(Map.of("dpo_loss", 0.61, "steps", 12.0)).setEvaluationFigures(Map.of("l2", 0.02))
                .setBatchIds(List.of("b1", "b2")).setCreatedAt(Instant.parse("2026-12-03T12:00:00Z")).build();
    }

    @Test
    void aSignedVersionVerifiesAndKeepsVerifyingWhenRepublishedForARollback() throws IOException {
        TrainerKeys.Loaded k = TrainerKeys.loadOrCreate(dir.resolve("trainer.key"));
        EncoderVersion signed = VersionSignatures.sign(version(), k.pair().getPrivate(), k.pair().getPublic());
        assertEquals(k.fingerprint(), signed.getSignerKey());
        assertDoesNotThrow(() -> VersionSignatures.verify(signed, k.pair().getPublic()));
        EncoderVersion rolledBack = EncoderVersion.newBuilder(signed).setCreatedAt(Instant.now()).build();
        assertDoesNotThrow(() -> VersionSignatures.verify(rolledBack, k.pair().getPublic()));
    }

    @Test
    void aForgedCheckpointWithItsOwnValidHashButTheOldSignatureIsRefused() throws IOException {
        TrainerKeys.Loaded k = TrainerKeys.loadOrCreate(dir.resolve("trainer.key"));
        EncoderVersion signed = VersionSignatures.sign(version(), k.pair().getPrivate(), k.pair().getPublic());
        EncoderVersion forged = EncoderVersion.newBuilder(signed).setCheckpointUri("s3://blobs/evil.pmck")
                .setSha256("ee".repeat(32)).build();
        UntrustedVersionException e = assertThrows(UntrustedVersionException.class,
                () -> VersionSignatures.verify(forged, k.pair().getPublic()));
        assertTrue(e.reason().contains("does not verify"), e.getMessage());
        assertEquals("online-0003-w7", e.version());
    }

    @Test
    void unsignedMalformedAndOtherKeysSignaturesAreRefusedWithTheirReason() throws IOException {
        TrainerKeys.Loaded trusted = TrainerKeys.loadOrCreate(dir.resolve("trainer.key"));
        TrainerKeys.Loaded other = TrainerKeys.loadOrCreate(dir.resolve("attacker.key"));
        var pub = trusted.pair().getPublic();
        assertEquals("unsigned", assertThrows(UntrustedVersionException.class,
                () -> VersionSignatures.verify(version(), pub)).reason());
        EncoderVersion garbage = EncoderVersion.newBuilder(version()).setSignature("not base64 !").build();
        assertEquals("signature is not base64", assertThrows(UntrustedVersionException.class,
                () -> VersionSignatures.verify(garbage, pub)).reason());
        EncoderVersion shortSig = EncoderVersion.newBuilder(version()).setSignature("AAAA").build();
        assertThrows(UntrustedVersionException.class, () -> VersionSignatures.verify(shortSig, pub));
        EncoderVersion byOther = VersionSignatures.sign(version(), other.pair().getPrivate(), other.pair().getPublic());
        String reason = assertThrows(UntrustedVersionException.class,
                () -> VersionSignatures.verify(byOther, pub)).reason();
        assertTrue(reason.contains(other.fingerprint()) && reason.contains(trusted.fingerprint()), reason);
    }

    @Test
    void theKeyFileIsOwnerOnlyReloadsToTheSamePairAndIsRefusedWhenOthersCanReadIt() throws IOException {
        Path file = dir.resolve("keys/trainer-ed25519.key");
        TrainerKeys.Loaded first = TrainerKeys.loadOrCreate(file);
        assertTrue(first.created());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(Files.readString(file).startsWith("-----BEGIN PRIVATE KEY-----"));
        TrainerKeys.Loaded again = TrainerKeys.loadOrCreate(file);
        assertEquals(first.fingerprint(), again.fingerprint());
        assertEquals(first.pair().getPublic(), TrainerKeys.readPublic(TrainerKeys.publicFile(file)));
        Path shared = dir.resolve("shared/trainer.pub");
        assertTrue(TrainerKeys.exportPublic(first, shared));
        assertFalse(TrainerKeys.exportPublic(first, shared), "an up-to-date copy is left alone");
        assertEquals(first.pair().getPublic(), TrainerKeys.readPublic(shared));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        IOException e = assertThrows(IOException.class, () -> TrainerKeys.loadOrCreate(file));
        assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
    }

    @Test
    void theSignedSchemaReadsVersionsWrittenBeforeSigningExisted() throws IOException {
        Schema previous;
        try (InputStream in = getClass().getResourceAsStream("/previous/EncoderVersion-adapters.avsc")) {
            previous = new Schema.Parser().parse(in);
        }
        assertEquals(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(EncoderVersion.getClassSchema(), previous).getType());
        GenericRecord old = new GenericData.Record(previous);
        old.put("version", "online-0001");
        old.put("checkpointUri", "file:/c");
        old.put("sha256", "00");
        old.put("trainingFigures", Map.of());
        old.put("evaluationFigures", Map.of());
        old.put("batchIds", List.of());
        old.put("createdAt", 1L);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(previous).write(old, enc);
        enc.flush();
        EncoderVersion read = new SpecificDatumReader<EncoderVersion>(previous, EncoderVersion.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        assertNull(read.getSignature());
        assertNotEquals("", read.getVersion());
    }
}
