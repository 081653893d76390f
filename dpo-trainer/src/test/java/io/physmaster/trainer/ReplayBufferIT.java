package io.physmaster.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.role.ConnectionSettings;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.schemas.PreferencePair;
import io.physmaster.serde.AvroDeserializer;
import io.physmaster.serde.AvroSerializer;
import io.physmaster.serde.SchemaRegistryClient;
import io.physmaster.stack.LocalStack;
import io.physmaster.stack.LocalStackExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a restart the replay buffer is rebuilt from the preference-batches topic: every pair of the batches up to
 * the committed offset, each once, whatever was redelivered or judged again; undecodable records are skipped.
 */
@ExtendWith(LocalStackExtension.class)
class ReplayBufferIT {

    @TempDir
    Path dir;

    @Test
    void theBufferIsRebuiltFromTheBatchesTopicWithEveryPairOnce() throws Exception {
        LocalStack stack = LocalStackExtension.stack();
        ConnectionSettings connection = stack.connection(dir);
        String run = UUID.randomUUID().toString();
        // A batches topic of its own: the shared stack's real one is where DpoTrainerIT's trainer reads.
        TopicPartition tp = new TopicPartition("replay-it-" + run, 0);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(tp.topic(), 1, (short) 1))).all().get();
        }
        List<PreferencePair> first = pairs(run, 0, 5);
        List<PreferencePair> second = new ArrayList<>(pairs(run, 3, 4)); // pairs 3, 4 again, 5 and 6 new
        PreferencePair p0 = first.get(0);
        second.add(PreferencePair.newBuilder(p0).setPreferredUri(p0.getRejectedUri())
                .setRejectedUri(p0.getPreferredUri()).build()); // pair 0 judged the other way in a later window
        AvroSerializer<SpecificRecord> ser = new AvroSerializer<>();
        ser.configure(new HashMap<>(stack.clientConfigs()), false);
        long end;
        try (KafkaProducer<String, SpecificRecord> avro = new KafkaProducer<>(Map.of("bootstrap.servers",
                stack.bootstrapServers()), new StringSerializer(), ser);
             KafkaProducer<String, byte[]> raw = new KafkaProducer<>(Map.of("bootstrap.servers",
                     stack.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            avro.send(new ProducerRecord<>(tp.topic(), 0, "b1-" + run, batch("b1-" + run, first))).get();
            avro.send(new ProducerRecord<>(tp.topic(), 0, "b1-" + run, batch("b1-" + run, first))).get(); // redelivered
            raw.send(new ProducerRecord<>(tp.topic(), 0, "junk-" + run, new byte[] {1, 2, 3})).get();
            end = avro.send(new ProducerRecord<>(tp.topic(), 0, "b2-" + run, batch("b2-" + run, second))).get()
                    .offset() + 1;
        }
        try (SchemaRegistryClient registry = connection.registry()) {
            AvroDeserializer<PreferenceBatch> batches = new AvroDeserializer<>(PreferenceBatch.class, registry);
            ReplayBuffer rebuilt = new ReplayBuffer(100);
            rebuilt.refill(connection, batches, tp, end);
            List<PreferencePair> ours = rebuilt.pairs();
            assertEquals(7, ours.size(), "pairs 0..6, each once: " + ours);
            assertEquals(p0.getRejectedUri(), ours.get(ours.size() - 1).getPreferredUri(),
                    "pair 0 holds the later verdict");
            ReplayBuffer small = new ReplayBuffer(3);
            small.refill(connection, batches, tp, end);
            assertEquals(3, small.size(), "bounded during the rebuild too");
            assertTrue(small.pairs().contains(ours.get(ours.size() - 1)), "the newest pairs stay");
        }
    }

    private static List<PreferencePair> pairs(String run, int from, int n) {
        List<PreferencePair> out = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            out.add(PreferencePair.newBuilder().setRequestId(run + "-r" + i).setPreferredUri("file:/v/" + run + i + "-0")
                    .setRejectedUri("file:/v/" + run + i + "-1").setEncoderVersion("stage1").build());
        }
        return out;
    }

    private static PreferenceBatch batch(String id, List<PreferencePair> pairs) {
        return PreferenceBatch.newBuilder().setBatchId(id).setEncoderVersion("stage1").setWindowStart(Instant.now())
                .setWindowEnd(Instant.now()).setPairs(pairs).setEventsSeen(pairs.size()).build();
    }
}
