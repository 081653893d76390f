package io.physmaster.role;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.physmaster.role.Commits.Outcome;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/** A real consumer whose broker is gone: the commit neither throws nor gives up while the role runs. */
class CommitsTest {

    @Test
    void aCommitWithoutABrokerIsRetriedUntilTheRoleStops() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort(); // nothing listens there once closed
        }
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + closedPort);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "commits-test");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 400);
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 300);
        TopicPartition tp = new TopicPartition("t", 0);
        AtomicInteger asked = new AtomicInteger();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            c.assign(List.of(tp));
            // Kafka's commitSync alone throws a TimeoutException here; the role would die with it.
            Outcome o = Commits.commit(c, Map.of(tp, new OffsetAndMetadata(5)), () -> asked.incrementAndGet() < 3,
                    Duration.ofMillis(300));
            assertEquals(Outcome.STOPPED, o);
            assertEquals(3, asked.get(), "retried while running, then gave up once stopping");
        }
    }
}
