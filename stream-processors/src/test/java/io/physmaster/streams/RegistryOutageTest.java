package io.physmaster.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.schemas.DeadLetter;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.schemas.PreferenceEvent;
import io.physmaster.schemas.PreferenceSource;
import io.physmaster.serde.AvroSerde;
import io.physmaster.serde.AvroSerializer;
import io.physmaster.serde.RegistryException;
import io.physmaster.serde.SchemaRegistryClient;
import io.physmaster.topics.Topics;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A record the app cannot decode because the schema registry cannot be reached is not the record's fault: it
 * fails the task (to be processed again) instead of becoming a dead letter. A schema id the registry does not
 * know is the record's fault: a dead letter.
 */
class RegistryOutageTest {

    @TempDir
    Path state;

    final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    /** What the app asks: the registry above, unreachable while {@code down}. */
    final OutageRegistry appRegistry = new OutageRegistry();
    TopologyTestDriver driver;
    TestInputTopic<String, byte[]> events;
    TestOutputTopic<String, DeadLetter> dead;

    <T extends GenericContainer> AvroSerde<T> serde(Class<T> type, SchemaRegistryClient client) {
        AvroSerde<T> s = new AvroSerde<>(type);
        s.configure(Map.of(AvroSerializer.CLIENT_INSTANCE, client), false);
        return s;
    }

    @BeforeEach
    void start() {
        var serdes = new PreferenceBatchTopology.AvroSerdes(serde(GeneratedVideo.class, appRegistry).deserializer(),
                serde(PreferenceEvent.class, appRegistry).deserializer(), serde(PreferenceBatch.class, appRegistry),
                serde(DeadLetter.class, registry));
        driver = new TopologyTestDriver(PreferenceBatchTopology.build(PreferenceBatchTopologyTest.SETTINGS, serdes),
                PreferenceStreamsApp.config("unused:9092", state), Instant.ofEpochMilli(0));
        events = driver.createInputTopic(Topics.PREFERENCE_EVENTS.name(), Serdes.String().serializer(),
                Serdes.ByteArray().serializer());
        dead = driver.createOutputTopic(Topics.DEAD_LETTERS.name(), Serdes.String().deserializer(),
                serde(DeadLetter.class, registry).deserializer());
    }

    @AfterEach
    void close() {
        driver.close();
    }

    byte[] preference() {
        return serde(PreferenceEvent.class, registry).serializer().serialize(Topics.PREFERENCE_EVENTS.name(),
                PreferenceEvent.newBuilder().setEventId("e1").setRequestId("r1").setPreferredSample(0)
                        .setRejectedSample(1).setSource(PreferenceSource.HUMAN).setAnnotator("a").setConfidence(1f)
                        .setTime(Instant.EPOCH).build());
    }

    @Test
    void anUnreachableRegistryFailsTheTaskInsteadOfDeadLetteringGoodRecords() {
        byte[] good = preference();
        appRegistry.down = true;
        RuntimeException e = assertThrows(RuntimeException.class, () -> events.pipeInput("r1", good, 1_000));
        assertTrue(causedByRegistry(e), e.toString());
        assertTrue(dead.isEmpty(), "a good record is not dead-lettered for the registry's outage");
    }

    @Test
    void aSchemaIdTheRegistryDoesNotKnowIsADeadLetter() {
        byte[] unknownId = preference();
        unknownId[4] = 99; // schema id 99: the registry answers "not found"
        events.pipeInput("r1", unknownId, 1_000);
        DeadLetter d = dead.readValue();
        assertTrue(d.getReason().startsWith("undecodable preference event"), d.getReason());
        assertEquals(Topics.PREFERENCE_EVENTS.name(), d.getOriginalTopic());
    }

    static boolean causedByRegistry(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RegistryException) {
                return true;
            }
        }
        return false;
    }

    /** The in-memory registry, with an outage switch for schema lookups by id. */
    final class OutageRegistry implements SchemaRegistryClient {
        volatile boolean down;

        @Override
        public Schema getById(int id) {
            if (down) {
                throw new RegistryException("schema registry unreachable", -1, -1, null);
            }
            return registry.getById(id);
        }

        @Override
        public int register(String subject, Schema schema) {
            return registry.register(subject, schema);
        }

        @Override
        public RegisteredSchema getLatest(String subject) {
            return registry.getLatest(subject);
        }

        @Override
        public int lookup(String subject, Schema schema) {
            return registry.lookup(subject, schema);
        }

        @Override
        public boolean testCompatibility(String subject, Schema schema) {
            return registry.testCompatibility(subject, schema);
        }

        @Override
        public void setCompatibility(String subject, String level) {
            registry.setCompatibility(subject, level);
        }

        @Override
        public void close() {
        }
    }
}
