package io.physmaster.annotate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples every watched consumer group's committed offsets against its partitions' end offsets (read_committed:
 * the last stable offset) with the Admin API every few seconds. Lag is what the group has yet to commit;
 * throughput is how many records its commits advanced per second since the previous sample.
 */
final class ConsumerLag implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConsumerLag.class);
    private static final long TIMEOUT_S = 10;

    /**
     * One role's group at one sample. {@code lag} is null when the group has committed nothing;
     * {@code recordsPerSecond} is null on the first sample.
     */
    record RoleLag(String role, String group, String state, int members, Long lag, long committed,
                   Double recordsPerSecond, Map<String, Long> lagByTopic) {
    }

    /** The newest sample; {@code error} says why it is missing or stale, else null. */
    record Snapshot(long sampledAt, long intervalMs, List<RoleLag> roles, String error) {
    }

    private final Admin admin;
    private final Map<String, String> groups;
    private final long intervalMs;
    private final ScheduledExecutorService timer;
    private final Map<String, long[]> previous = new HashMap<>(); // role: committed sum, time
    private volatile Snapshot latest;
    private boolean failing;

    ConsumerLag(Admin admin, Map<String, String> groups, Duration interval) {
        this.admin = admin;
        this.groups = groups;
        this.intervalMs = interval.toMillis();
        this.latest = new Snapshot(0, intervalMs, List.of(), "no sample yet");
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dashboard-lag");
            t.setDaemon(true);
            return t;
        });
    }

    ConsumerLag start() {
        timer.scheduleWithFixedDelay(this::sampleQuietly, 0, intervalMs, TimeUnit.MILLISECONDS);
        return this;
    }

    Snapshot latest() {
        return latest;
    }

    private void sampleQuietly() {
        try {
            latest = sample();
            failing = false;
        } catch (Exception e) {
            if (!failing) { // once per outage, not every few seconds
                log.warn("event=dashboard_lag_unavailable reason=\"{}\"", e.toString());
            }
            failing = true;
            latest = new Snapshot(latest.sampledAt(), intervalMs, latest.roles(),
                    "offsets could not be read; last sample kept");
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    Snapshot sample() throws Exception {
        long now = System.currentTimeMillis();
        Map<String, Map<TopicPartition, OffsetAndMetadata>> committed = new HashMap<>();
        for (String group : groups.values().stream().distinct().toList()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(TIMEOUT_S, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetAndMetadata> kept = new HashMap<>();
            offsets.forEach((tp, o) -> {
                if (o != null) {
                    kept.put(tp, o);
                }
            });
            committed.put(group, kept);
        }
        Map<TopicPartition, OffsetSpec> wanted = new HashMap<>();
        committed.values().forEach(m -> m.keySet().forEach(tp -> wanted.put(tp, OffsetSpec.latest())));
        Map<TopicPartition, Long> end = new HashMap<>();
        if (!wanted.isEmpty()) {
            admin.listOffsets(wanted, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                    .get(TIMEOUT_S, TimeUnit.SECONDS).forEach((tp, info) -> end.put(tp, info.offset()));
        }
        Map<String, KafkaFuture<ConsumerGroupDescription>> described =
                admin.describeConsumerGroups(groups.values().stream().distinct().toList()).describedGroups();
        List<RoleLag> roles = new ArrayList<>();
        for (Map.Entry<String, String> e : groups.entrySet()) {
            String group = e.getValue();
            Map<TopicPartition, OffsetAndMetadata> c = committed.get(group);
            Map<String, Long> byTopic = new TreeMap<>();
            long sum = 0;
            for (var o : c.entrySet()) {
                long behind = Math.max(0, end.getOrDefault(o.getKey(), o.getValue().offset()) - o.getValue().offset());
                byTopic.merge(o.getKey().topic(), behind, Long::sum);
                sum += o.getValue().offset();
            }
            long[] prev = previous.put(e.getKey(), new long[] {sum, now});
            Double perSecond = prev == null || now <= prev[1] || sum < prev[0] ? null
                    : (sum - prev[0]) * 1000.0 / (now - prev[1]);
            String state = "unknown";
            int members = 0;
            try {
                ConsumerGroupDescription d = described.get(group).get(TIMEOUT_S, TimeUnit.SECONDS);
                state = d.groupState().toString();
                members = d.members().size();
            } catch (ExecutionException notFound) {
                state = "not found"; // a group that never joined or committed
            }
            roles.add(new RoleLag(e.getKey(), group, state, members,
                    c.isEmpty() ? null : byTopic.values().stream().mapToLong(Long::longValue).sum(), sum, perSecond,
                    byTopic));
        }
        return new Snapshot(now, intervalMs, List.copyOf(roles), null);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        admin.close(Duration.ofSeconds(2));
    }
}
