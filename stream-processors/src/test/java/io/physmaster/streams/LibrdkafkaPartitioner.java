package io.physmaster.streams;

import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32;
import org.apache.kafka.clients.producer.Partitioner;
import org.apache.kafka.common.Cluster;

/**
 * Tests only: partitions as librdkafka does by default (its "consistent_random" partitioner: CRC32 of the key
 * bytes modulo the partition count, random without a key), which is what Python confluent-kafka, Go, .NET and
 * kcat producers do unless configured otherwise. Java producers use murmur2 instead.
 */
public final class LibrdkafkaPartitioner implements Partitioner {

    static int partition(byte[] key, int partitions) {
        CRC32 crc = new CRC32();
        crc.update(key);
        return (int) (crc.getValue() % partitions); // librdkafka: unsigned 32-bit CRC % partition_cnt
    }

    @Override
    public int partition(String topic, Object key, byte[] keyBytes, Object value, byte[] valueBytes,
                         Cluster cluster) {
        int partitions = cluster.partitionsForTopic(topic).size();
        return keyBytes == null ? ThreadLocalRandom.current().nextInt(partitions) : partition(keyBytes, partitions);
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }

    @Override
    public void close() {
    }
}
