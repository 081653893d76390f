package io.physmaster.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.schemas.DeadLetter;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.GenerationProgress;
import io.physmaster.schemas.GenerationRequest;
import io.physmaster.schemas.GenerationState;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.schemas.PreferenceEvent;
import io.physmaster.schemas.PreferencePair;
import io.physmaster.schemas.PreferenceSource;
import io.physmaster.stack.LocalStackExtension;
import io.physmaster.topics.Topics;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every event type through the real broker and registry in the Confluent wire format, and the error cases. */
@ExtendWith(LocalStackExtension.class)
class AvroSerdeIT {

    static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    /** One example of every event, with the topic it lives on. */
    static Map<String, SpecificRecord> examples() {
        Map<String, SpecificRecord> m = new HashMap<>();
        m.put(Topics.GENERATION_REQUESTS.name(), GenerationRequest.newBuilder().setRequestId("r1")
                .setFirstFrameInline(ByteBuffer.wrap(new byte[] {(byte) 0x89, 'P', 'N', 'G'})).setPrompt("a ball")
                .setNumSamples(4).setSeed(42).setEncoderVersion("stage1").setSubmittedAt(NOW).build());
        m.put(Topics.GENERATION_PROGRESS.name(), GenerationProgress.newBuilder().setRequestId("r1")
                .setState(GenerationState.SAMPLING).setStep(2).setTotalSteps(8).setWorkerId("w1").setTime(NOW).build());
        m.put(Topics.GENERATED_VIDEOS.name(), GeneratedVideo.newBuilder().setRequestId("r1").setSampleIndex(3)
                .setSeed(45).setVideoUri("file:/tmp/r1-3.mp4").setFormat("mp4").setFrames(16).setWidth(32)
                .setHeight(32).setSha256("00ff").setEncoderVersion("stage1").setModelVersion("dit-stage1")
                .setLatencyMs(900).setCreatedAt(NOW).build());
        m.put(Topics.PREFERENCE_EVENTS.name(), PreferenceEvent.newBuilder().setEventId("e1").setRequestId("r1")
                .setPreferredSample(0).setRejectedSample(3).setSource(PreferenceSource.HUMAN).setAnnotator("ann")
                .setConfidence(1f).setTime(NOW).build());
        m.put(Topics.PREFERENCE_BATCHES.name(), PreferenceBatch.newBuilder().setBatchId("b1")
                .setEncoderVersion("stage1").setWindowStart(NOW).setWindowEnd(NOW.plusSeconds(30))
                .setPairs(List.of(PreferencePair.newBuilder().setRequestId("r1").setPreferredUri("file:/a")
                        .setRejectedUri("file:/b").setEncoderVersion("stage1").setVotes(3).build()))
                .setEventsSeen(5).setEventsDropped(2).build());
        m.put(Topics.ENCODER_VERSIONS.name(), EncoderVersion.newBuilder().setVersion("online-0001")
                .setParent("stage1").setCheckpointUri("file:/ckpt").setSha256("aa")
                .setTrainingFigures(Map.of("dpo_loss", 0.41)).setEvaluationFigures(Map.of("l2", 0.07))
                .setBatchIds(List.of("b1")).setCreatedAt(NOW).build());
        m.put(Topics.DEAD_LETTERS.name(), DeadLetter.newBuilder().setOriginalTopic("t").setPartition(1)
                .setOffset(7).setKey("r9").setValue(ByteBuffer.wrap(new byte[] {1, 2})).setReason("bad image")
                .setErrorClass("InvalidRequestException").setTime(NOW).build());
        return m;
    }

    static Map<String, Object> configs() {
        return new HashMap<>(LocalStackExtension.stack().clientConfigs());
    }

    @Test
    void everyEventTypeRoundTripsThroughBrokerAndRegistry() {
        Map<String, SpecificRecord> examples = examples();
        assertEquals(Topics.ALL.size(), examples.size(), "one example per topic");
        AvroSerializer<SpecificRecord> ser = new AvroSerializer<>();
        ser.configure(configs(), false);
        Map<TopicPartition, Long> written = new HashMap<>();
        try (KafkaProducer<String, SpecificRecord> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", LocalStackExtension.stack().bootstrapServers()), new StringSerializer(), ser)) {
            for (var e : examples.entrySet()) {
                var md = producer.send(new ProducerRecord<>(e.getKey(), "serde-it", e.getValue())).get();
                written.put(new TopicPartition(md.topic(), md.partition()), md.offset());
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        // Read back with a specific reader per topic (as our services do) and check byte-level framing.
        for (var e : written.entrySet()) {
            byte[] raw = readRaw(e.getKey(), e.getValue());
            assertEquals(0, raw[0], "magic byte");
            int id = ByteBuffer.wrap(raw, 1, 4).getInt();
            SpecificRecord expected = examples.get(e.getKey().topic());
            AvroDeserializer<SpecificRecord> de = new AvroDeserializer<>();
            Map<String, Object> c = configs();
            c.put(AvroDeserializer.SPECIFIC_READER, "true");
            de.configure(c, false);
            assertEquals(expected, de.deserialize(e.getKey().topic(), raw), e.getKey().topic());
            // Generic readers (any Confluent-compatible consumer) see the same fields.
            AvroDeserializer<GenericRecord> generic = new AvroDeserializer<>();
            generic.configure(configs(), false);
            GenericRecord g = generic.deserialize(e.getKey().topic(), raw);
            assertEquals(expected.getSchema().getFullName(), g.getSchema().getFullName());
            try (var registry = new RestSchemaRegistryClient(RegistryClientConfig.from(configs()))) {
                // The registry holds the schema as the .avsc defines it, without the generated class's Java-only
                // properties.
                assertEquals(PlainSchema.of(expected.getSchema()), registry.getById(id),
                        "schema id in the header is the registered one");
                assertEquals(id, registry.getLatest(e.getKey().topic() + "-value").id(), "TopicNameStrategy subject");
            }
        }
    }

    @Test
    void unknownSchemaIdIsAClearException() {
        AvroDeserializer<GenerationRequest> de = new AvroDeserializer<>(GenerationRequest.class);
        de.configure(configs(), false);
        byte[] framed = ConfluentWireFormat.frame(765_432, new byte[] {2, 'x'});
        SerializationException e = assertThrows(SerializationException.class, () -> de.deserialize("t", framed));
        assertTrue(e.getMessage().contains("schema id 765432"), e.getMessage());
    }

    @Test
    void corruptBodyIsAClearExceptionNeverNull() {
        AvroSerializer<GenerationRequest> ser = new AvroSerializer<>();
        ser.configure(configs(), false);
        GenerationRequest r = (GenerationRequest) examples().get(Topics.GENERATION_REQUESTS.name());
        byte[] good = ser.serialize(Topics.GENERATION_REQUESTS.name(), r);
        AvroDeserializer<GenerationRequest> de = new AvroDeserializer<>(GenerationRequest.class);
        de.configure(configs(), false);
        assertEquals(r, de.deserialize(Topics.GENERATION_REQUESTS.name(), good));

        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 6);
        SerializationException e1 = assertThrows(SerializationException.class,
                () -> de.deserialize(Topics.GENERATION_REQUESTS.name(), truncated));
        assertTrue(e1.getMessage().contains("Corrupt Avro body"), e1.getMessage());

        byte[] trailing = java.util.Arrays.copyOf(good, good.length + 3);
        assertThrows(SerializationException.class, () -> de.deserialize(Topics.GENERATION_REQUESTS.name(), trailing));

        byte[] wrongMagic = good.clone();
        wrongMagic[0] = 7;
        assertThrows(SerializationException.class, () -> de.deserialize(Topics.GENERATION_REQUESTS.name(), wrongMagic));
        assertNull(de.deserialize(Topics.GENERATION_REQUESTS.name(), null), "null stays a tombstone");
    }

    @Test
    void autoRegisterOffRequiresAnExistingSchema() {
        Map<String, Object> c = configs();
        c.put(AvroSerializer.AUTO_REGISTER, "false");
        AvroSerializer<DeadLetter> ser = new AvroSerializer<>();
        ser.configure(c, false);
        DeadLetter d = (DeadLetter) examples().get(Topics.DEAD_LETTERS.name());
        SerializationException e = assertThrows(SerializationException.class,
                () -> ser.serialize("never-registered-topic", d));
        assertTrue(e.getMessage().contains("never-registered-topic-value"), e.getMessage());
    }

    @Test
    void useLatestVersionWritesWithTheSubjectsLatestSchema() {
        Map<String, Object> c = configs();
        AvroSerializer<GenerationProgress> register = new AvroSerializer<>();
        register.configure(c, false);
        GenerationProgress p = (GenerationProgress) examples().get(Topics.GENERATION_PROGRESS.name());
        byte[] first = register.serialize(Topics.GENERATION_PROGRESS.name(), p);
        c.put(AvroSerializer.USE_LATEST, "true");
        c.put(AvroSerializer.AUTO_REGISTER, "false");
        AvroSerializer<GenerationProgress> latest = new AvroSerializer<>();
        latest.configure(c, false);
        byte[] second = latest.serialize(Topics.GENERATION_PROGRESS.name(), p);
        assertEquals(ByteBuffer.wrap(first, 1, 4).getInt(), ByteBuffer.wrap(second, 1, 4).getInt());
    }

    @Test
    void basicAuthCredentialsAreSentAndIgnoredByAnOpenRegistry() {
        Map<String, Object> c = configs();
        c.put("basic.auth.credentials.source", "USER_INFO");
        c.put("basic.auth.user.info", "alice:secret");
        AvroSerializer<GenerationProgress> ser = new AvroSerializer<>();
        ser.configure(c, false);
        GenerationProgress p = (GenerationProgress) examples().get(Topics.GENERATION_PROGRESS.name());
        assertTrue(ser.serialize(Topics.GENERATION_PROGRESS.name(), p).length > 5);
    }

    @Test
    void unreachableRegistryFailsAfterRetriesWithTheUrls() {
        Map<String, Object> c = new HashMap<>();
        c.put("schema.registry.url", "http://127.0.0.1:1");
        c.put("max.retries", "2");
        c.put("retries.wait.ms", "10");
        AvroSerializer<GenerationProgress> ser = new AvroSerializer<>();
        ser.configure(c, false);
        GenerationProgress p = (GenerationProgress) examples().get(Topics.GENERATION_PROGRESS.name());
        SerializationException e = assertThrows(SerializationException.class, () -> ser.serialize("t", p));
        assertTrue(e.getMessage().contains("after 3 attempts"), e.getMessage());
    }

    private static byte[] readRaw(TopicPartition tp, long offset) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalStackExtension.stack().bootstrapServers());
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, offset);
            long deadline = System.currentTimeMillis() + 20_000;
            List<ConsumerRecord<String, byte[]>> got = new ArrayList<>();
            while (got.isEmpty() && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(300)).forEach(got::add);
            }
            return got.get(0).value();
        }
    }
}
