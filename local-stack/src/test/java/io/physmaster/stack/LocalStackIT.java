package io.physmaster.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.topics.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalStackExtension.class)
class LocalStackIT {

    @Test
    void everyTopicExistsWithItsPartitionsAndCleanup() throws Exception {
        LocalStack stack = LocalStackExtension.stack();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            Map<String, TopicDescription> described = admin.describeTopics(
                    Topics.ALL.stream().map(Topics.Topic::name).toList()).allTopicNames().get();
            for (Topics.Topic t : Topics.ALL) {
                assertEquals(t.partitions(), described.get(t.name()).partitions().size(), t.name());
            }
            ConfigResource versions = new ConfigResource(ConfigResource.Type.TOPIC, Topics.ENCODER_VERSIONS.name());
            ConfigResource requests = new ConfigResource(ConfigResource.Type.TOPIC, Topics.GENERATION_REQUESTS.name());
            Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(versions, requests)).all().get();
            assertEquals("compact", configs.get(versions).get("cleanup.policy").value());
            assertEquals("delete", configs.get(requests).get("cleanup.policy").value());
            assertEquals(String.valueOf(Duration.ofDays(7).toMillis()), configs.get(requests).get("retention.ms").value());
        }
    }

    @Test
    void producesAndConsumesThroughTheRealBroker() throws Exception {
        LocalStack stack = LocalStackExtension.stack();
        String topic = Topics.DEAD_LETTERS.name();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", stack.bootstrapServers(), "acks", "all"),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "k-stack-it", "hello")).get();
        }
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "local-stack-it");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 30_000;
            boolean found = false;
            while (!found && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    found |= "k-stack-it".equals(r.key()) && "hello".equals(r.value());
                }
            }
            assertTrue(found, "the record came back");
        }
    }

    @Test
    void topicProvisioningIsIdempotent() throws Exception {
        assertEquals(List.of(), TopicProvisioner.ensureTopics(LocalStackExtension.stack().bootstrapServers(), (short) 1));
    }

    @Test
    void childJvmsAreRunning() {
        for (long pid : LocalStackExtension.stack().pids()) {
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid);
        }
    }
}
