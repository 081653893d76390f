package io.physmaster.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.topics.Topics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/** The event schemas are documented, use timestamp-millis, and every topic's value type exists. */
class EventSchemasTest {

    static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    static final List<SpecificRecord> EXAMPLES = List.of(
            GenerationRequest.newBuilder().setRequestId("r1").setFirstFrameUri("file:/tmp/f.png")
                    .setSceneId("seen_test:3").setSubmittedAt(NOW).build(),
            GeneratedVideo.newBuilder().setRequestId("r1").setSampleIndex(1).setSeed(8).setVideoUri("file:/v")
                    .setFormat("pmv").setFrames(16).setWidth(32).setHeight(32).setSha256("ab")
                    .setEncoderVersion("stage1").setModelVersion("dit-stage1").setLatencyMs(1200)
                    .setCreatedAt(NOW).build(),
            GenerationProgress.newBuilder().setRequestId("r1").setState(GenerationState.SAMPLING).setStep(3)
                    .setTotalSteps(8).setTime(NOW).build(),
            PreferenceEvent.newBuilder().setEventId("e1").setRequestId("r1").setPreferredSample(0)
                    .setRejectedSample(1).setSource(PreferenceSource.JUDGE).setAnnotator("judge-v1")
                    .setConfidence(0.9f).setTime(NOW).build(),
            PreferenceBatch.newBuilder().setBatchId("b1").setEncoderVersion("stage1").setWindowStart(NOW)
                    .setWindowEnd(NOW.plusSeconds(60)).setPairs(List.of(PreferencePair.newBuilder()
                            .setRequestId("r1").setPreferredUri("file:/a").setRejectedUri("file:/b")
                            .setEncoderVersion("stage1").build())).build(),
            EncoderVersion.newBuilder().setVersion("online-0001").setParent("stage1").setCheckpointUri("file:/c")
                    .setSha256("cd").setTrainingFigures(Map.of("dpo_loss", 0.6)).setCreatedAt(NOW).build(),
            DeadLetter.newBuilder().setOriginalTopic("physmaster.generation-requests").setPartition(2)
                    .setOffset(41).setKey("r9").setReason("frames must be 2..64").setErrorClass("X")
                    .setTime(NOW).build());

    @Test
    void everyFieldIsDocumented() {
        for (SpecificRecord r : EXAMPLES) {
            Schema s = r.getSchema();
            assertNotNull(s.getDoc(), s.getName() + " has no doc");
            for (Schema.Field f : s.getFields()) {
                assertTrue(f.doc() != null && !f.doc().isBlank(), s.getName() + "." + f.name() + " has no doc");
            }
        }
    }

    @Test
    void timestampsAreTimestampMillis() {
        int seen = 0;
        for (SpecificRecord r : EXAMPLES) {
            for (Schema.Field f : r.getSchema().getFields()) {
                if (f.name().endsWith("At") || f.name().equals("time") || f.name().startsWith("window")) {
                    assertEquals(LogicalTypes.timestampMillis(), f.schema().getLogicalType(), f.name());
                    seen++;
                }
            }
        }
        assertTrue(seen >= EXAMPLES.size(), "every event carries a timestamp");
    }

    @Test
    void optionalFieldsHaveDefaultsSoNewReadersAcceptOldData() {
        // Every union with null must default to null, so the field can be added without breaking BACKWARD.
        for (SpecificRecord r : EXAMPLES) {
            for (Schema.Field f : r.getSchema().getFields()) {
                if (f.schema().isNullable()) {
                    assertTrue(f.hasDefaultValue(), r.getSchema().getName() + "." + f.name());
                }
            }
        }
    }

    @Test
    void everyEventRoundTripsThroughAvroBinary() throws IOException {
        for (SpecificRecord r : EXAMPLES) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
            new SpecificDatumWriter<SpecificRecord>(r.getSchema()).write(r, enc);
            enc.flush();
            SpecificRecord back = new SpecificDatumReader<SpecificRecord>(r.getSchema())
                    .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
            assertEquals(r, back);
        }
    }

    @Test
    void everyTopicNamesAnExistingEventType() throws ClassNotFoundException {
        for (Topics.Topic t : Topics.ALL) {
            Class<?> c = Class.forName("io.physmaster.schemas." + t.valueType());
            assertTrue(SpecificRecord.class.isAssignableFrom(c), t.name());
            assertTrue(t.name().startsWith(Topics.PREFIX));
        }
        assertFalse(Topics.ENCODER_VERSIONS.configs().get("cleanup.policy").contains("delete"));
        assertEquals(1, Topics.ENCODER_VERSIONS.partitions());
    }
}
