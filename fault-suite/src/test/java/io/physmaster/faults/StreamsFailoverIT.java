package io.physmaster.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.schemas.DeadLetter;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two instances of the preference batcher (standby replicas on, as deploy/cluster.env sets them) on the 3-node
 * cluster; under a steady preference load, kill -9 of the instance that runs the batching task (the one-partition
 * by-encoder-version stage). The other takes the task over: no accepted preference lost, no pair or batch doubled.
 */
@Order(0)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamsFailoverIT {

    private static final int PER_SECOND = 20; // over 64 pairs per 5 s window: the size trigger emits batches all along
    private static final int SECONDS = 45;
    private static final int KILL_AFTER_SECONDS = 15; // and once batches come out
    private static final int KILL_BY_SECONDS = 35;
    private static final int GRACE_SECONDS = 60; // deploy/cluster.env: covers the reordering a failover causes
    private static final String BATCHER_TOPIC = FaultStack.STREAMS_APP + "-by-encoder-version-repartition";

    private ClusterRoles c;
    /** The ids whose videos are on the topic before the load: the app has indexed them by the time it starts. */
    private final List<String> ids = new ArrayList<>();
    private final Map<String, RoleProcess> instances = new java.util.LinkedHashMap<>();

    @BeforeAll
    void start() throws Exception {
        c = new ClusterRoles("streams-failover");
        for (String name : List.of("streams-a", "streams-b")) {
            Path config = c.dir.resolve(name + "-" + ProcessHandle.current().pid() + ".properties");
            // client.id names the instance's consumers in the group, so the test can tell who runs which task.
            Files.writeString(config, "client.id=" + name + "\n");
            Map<String, String> env = c.env(name);
            env.put("PHYSMASTER_BATCH_WINDOW", "PT5S");
            env.put("PHYSMASTER_BATCH_GRACE", "PT" + GRACE_SECONDS + "S");
            env.put("PHYSMASTER_STREAMS_STANDBY_REPLICAS", "1");
            instances.put(name, c.role(name, 384, "io.physmaster.streams.PreferenceStreamsApp", List.of("--state-dir",
                    c.dir.resolve("state-" + name + "-" + ProcessHandle.current().pid()).toString(), "--config",
                    config.toString()), env));
        }
        for (int i = 0; i < PER_SECOND * SECONDS; i++) {
            String id = Records.id("sf");
            ids.add(id);
            for (int s = 0; s < Records.SAMPLES; s++) {
                c.records.send(Topics.GENERATED_VIDEOS.name(), id, Records.video(id, s));
            }
        }
        c.records.flush();
        c.groups.awaitMembers(FaultStack.STREAMS_APP, 2, Duration.ofSeconds(240),
                instances.values().toArray(RoleProcess[]::new));
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!c.groups.caughtUp(FaultStack.STREAMS_APP, Topics.GENERATED_VIDEOS.name(),
                Topics.GENERATED_VIDEOS.partitions()) && System.nanoTime() < deadline) {
            Thread.sleep(500); // the videos indexed before the load: batches then come out from its start
        }
    }

    @AfterAll
    void stop() {
        if (c != null) {
            c.close();
        }
    }

    @Test
    void killingTheInstanceThatBatchesLosesAndDoublesNoBatch() throws Exception {
        Tail<PreferenceBatch> batches = c.tail(Topics.PREFERENCE_BATCHES.name(), PreferenceBatch.class);
        Tail<DeadLetter> deadLetters = c.tail(Topics.DEAD_LETTERS.name(), DeadLetter.class);
        // Each batch and when it became readable (read_committed), as seen by a follower polling all along.
        List<PreferenceBatch> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        ConcurrentLinkedQueue<Long> arrivals = new ConcurrentLinkedQueue<>();
        AtomicBoolean following = new AtomicBoolean(true);
        Thread follower = new Thread(() -> {
            while (following.get()) {
                for (Tail.Rec<PreferenceBatch> r : batches.poll(Duration.ofMillis(200))) {
                    if (r.value() != null) {
                        seen.add(r.value());
                        arrivals.add(System.nanoTime());
                    }
                }
            }
        }, "batch-follower");
        follower.start();

        PacedLoad load = new PacedLoad(c.records, ids, PER_SECOND);
        load.start();
        long started = System.nanoTime();
        while (ClusterRoles.since(started) < KILL_AFTER_SECONDS
                || (arrivals.isEmpty() && ClusterRoles.since(started) < KILL_BY_SECONDS)) {
            Thread.sleep(100);
        }
        double killedIn = ClusterRoles.since(started);
        String victimName = batcherOwner();
        RoleProcess victim = instances.get(victimName);
        RoleProcess survivor = instances.values().stream().filter(r -> r != victim).findFirst().orElseThrow();
        long killed = System.nanoTime();
        victim.kill();
        load.finish();
        long loadEnded = System.nanoTime();
        String owner = null;
        while (ClusterRoles.since(killed) < 120 && !survivor.name().equals(owner = batcherOwner())) {
            Thread.sleep(200);
        }
        double taskMoved = ClusterRoles.since(killed);

        List<String> accepted = load.accepted();
        // A window's batch leaves once the wall clock passes its end + grace.
        boolean batched = await(Duration.ofSeconds(GRACE_SECONDS + 120L),
                () -> Delivery.pairs(accepted, List.copyOf(seen)).complete());
        double batchedAfter = ClusterRoles.since(loadEnded);
        following.set(false);
        follower.join(5000);
        Thread.sleep(3000); // a batch emitted twice would show up by now
        Delivery pairs = Delivery.pairs(accepted, batches.values(b -> true));
        Set<String> acceptedIds = new HashSet<>(accepted);
        long late = deadLetters.values(d -> "LateEvent".equals(d.getErrorClass()) && d.getKey() != null
                && acceptedIds.contains(d.getKey().toString())).size();
        double lastBefore = arrivals.stream().filter(t -> t < killed).mapToLong(t -> t).max()
                .stream().mapToDouble(t -> (killed - t) / 1e9).findFirst().orElse(-1);
        double firstAfter = arrivals.stream().filter(t -> t > killed).mapToLong(t -> t).min()
                .stream().mapToDouble(t -> (t - killed) / 1e9).findFirst().orElse(-1);
        double gap = lastBefore < 0 || firstAfter < 0 ? -1 : lastBefore + firstAfter;

        c.figures.add(new Figures.Row("Streams: kill -9 of the batching instance (2 instances, 1 standby)",
                load.sent(), accepted.size(), pairs.lost(), pairs.duplicated(), gap, String.format(Locale.ROOT,
                        "%d preferences at %d/s, %s killed %.1f s in (it ran the batching task); the group's "
                        + "description showed the task on %s alone (the dead member gone) %.1f s after the kill; "
                        + "last batch before the kill %.1f s before it, first after it %.1f s after (recovery = the "
                        + "gap between them); batch ids emitted twice %d, accepted preferences dead-lettered as "
                        + "late %d (window 5 s, grace %d s); every pair batched %.1f s after the last send; "
                        + "preferences refused %d", load.sent(), PER_SECOND, victimName, killedIn, owner, taskMoved,
                        lastBefore, firstAfter, pairs.problems().size(), late, GRACE_SECONDS, batchedAfter,
                        load.failures().size())));

        assertEquals(List.of(), load.failures(), "preferences refused");
        assertTrue(survivor.isAlive(), "the surviving instance died:\n" + survivor.logTail(30));
        assertEquals(survivor.name(), owner, "the batching task did not move to the survivor");
        assertEquals(0, late, "accepted preferences dead-lettered as late");
        assertTrue(batched, "accepted preferences not batched: " + pairs + "\n" + survivor.logTail(30));
        assertEquals(0, pairs.duplicated(), "pairs batched twice: " + pairs);
        assertEquals(List.of(), pairs.problems(), "batches emitted twice");
        assertTrue(firstAfter > 0, "no batch after the kill");
    }

    /** The instance (client.id) whose consumer holds the batching stage's one partition, or null. */
    private String batcherOwner() {
        ConsumerGroupDescription d = c.groups.describe(FaultStack.STREAMS_APP);
        if (d == null) {
            return null;
        }
        for (MemberDescription m : d.members()) {
            if (m.assignment().topicPartitions().stream().anyMatch(tp -> tp.topic().equals(BATCHER_TOPIC))) {
                return instances.keySet().stream().filter(n -> m.clientId().startsWith(n + "-")).findFirst()
                        .orElse(m.clientId());
            }
        }
        return null;
    }

    private static boolean await(Duration timeout, java.util.function.BooleanSupplier done)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(1000);
        }
        return true;
    }
}
