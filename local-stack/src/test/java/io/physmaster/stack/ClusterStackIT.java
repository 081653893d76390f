package io.physmaster.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./physmaster stack --brokers 3}: three KRaft nodes in their own JVMs, our topics with three replicas of
 * which two must be in sync, and acks=all writes still accepted after one node is killed.
 */
class ClusterStackIT {

    @TempDir
    Path dir;

    @Test
    void threeBrokersReplicateTheTopicsAndSurviveTheLossOfOne() throws Exception {
        LocalStackConfig config = new LocalStackConfig(dir, 0, 0, false, Duration.ofSeconds(300)).withBrokers(3);
        List<Long> pids;
        try (LocalStack stack = LocalStack.start(config);
             Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            pids = stack.pids();
            assertEquals(3, stack.brokerPids().size());
            assertEquals(3, stack.bootstrapServers().split(",").length, stack.bootstrapServers());
            assertEquals(3, admin.describeCluster().nodes().get().size());
            // Asked from this client's side too: its request may go to a node other than the provisioner's.
            Map<String, TopicDescription> topics = TopicProvisioner.awaitTopics(admin,
                    Topics.ALL.stream().map(Topics.Topic::name).toList(), Duration.ofSeconds(60));
            for (Topics.Topic t : Topics.ALL) {
                for (TopicPartitionInfo p : topics.get(t.name()).partitions()) {
                    assertEquals(3, p.replicas().size(), t.name() + "-" + p.partition());
                }
            }
            ConfigResource requests = new ConfigResource(ConfigResource.Type.TOPIC, Topics.GENERATION_REQUESTS.name());
            assertEquals("2", admin.describeConfigs(List.of(requests)).all().get().get(requests)
                    .get("min.insync.replicas").value());

            // The leader of requests-0 dies: acks=all writes go on to the new leader with two replicas in sync.
            int leader = topics.get(Topics.GENERATION_REQUESTS.name()).partitions().get(0).leader().id();
            ProcessHandle.of(stack.brokerPids().get(leader)).orElseThrow().destroyForcibly();
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    "bootstrap.servers", stack.bootstrapServers(), "acks", "all", "enable.idempotence", "true",
                    "delivery.timeout.ms", 60_000), new StringSerializer(), new StringSerializer())) {
                RecordMetadata m = producer.send(new ProducerRecord<>(Topics.DEAD_LETTERS.name(), 0, "k", "v"))
                        .get(90, TimeUnit.SECONDS);
                assertTrue(m.offset() >= 0);
            }
            TopicPartitionInfo after = admin.describeTopics(List.of(Topics.GENERATION_REQUESTS.name()))
                    .allTopicNames().get().get(Topics.GENERATION_REQUESTS.name()).partitions().get(0);
            assertTrue(after.leader() != null && after.leader().id() != leader, "a new leader: " + after);
        }
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " left");
        }
    }
}
