package io.physmaster.faults;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;

/** What the broker knows about the roles' consumer groups: members, state, committed offsets. */
final class Groups implements AutoCloseable {

    private final Admin admin;

    Groups(String bootstrap) {
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000));
    }

    /** The group's description, or null while the broker cannot say. */
    ConsumerGroupDescription describe(String group) {
        try {
            return admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            return null;
        }
    }

    /** Whether the group is stable with at least {@code members} members that have partitions. */
    boolean stable(String group, int members) {
        ConsumerGroupDescription d = describe(group);
        return d != null && d.groupState() == GroupState.STABLE && d.members().stream()
                .filter(m -> !m.assignment().topicPartitions().isEmpty()).count() >= members;
    }

    /** Waits until the group is stable with {@code members} assigned members; fails fast if a role died. */
    void awaitMembers(String group, int members, Duration timeout, RoleProcess... roles) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!stable(group, members)) {
            for (RoleProcess r : roles) {
                if (!r.isAlive()) {
                    throw new IllegalStateException(r + " exited while " + group + " formed:\n" + r.logTail(40));
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(group + " did not reach " + members + " assigned members within "
                        + timeout + ": " + describe(group));
            }
            Thread.sleep(250);
        }
    }

    /** The group's committed offset on a partition (-1: none). */
    long committed(String group, TopicPartition tp) {
        try {
            OffsetAndMetadata o = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get(5, TimeUnit.SECONDS).get(tp);
            return o == null ? -1 : o.offset();
        } catch (Exception e) {
            return -1;
        }
    }

    /** Whether the group has committed every partition of {@code topic} up to its end (it has read everything). */
    boolean caughtUp(String group, String topic, int partitions) {
        try {
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            for (int p = 0; p < partitions; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            var ends = admin.listOffsets(latest).all().get(5, TimeUnit.SECONDS);
            var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get(5, TimeUnit.SECONDS);
            for (var e : ends.entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                if (e.getValue().offset() > 0 && (c == null || c.offset() < e.getValue().offset())) {
                    return false;
                }
            }
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(2));
    }
}
