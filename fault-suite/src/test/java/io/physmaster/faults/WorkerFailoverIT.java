package io.physmaster.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.GenerationProgress;
import io.physmaster.schemas.GenerationRequest;
import io.physmaster.schemas.GenerationState;
import io.physmaster.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two workers with different settings (batch size, threads, heap: two machines' worth) in one group on the 3-node
 * cluster share the requests partitions; under a steady request load, kill -9 of one moves its partitions to the
 * other. Every accepted request is answered; a (request, sample) answered twice is only one the killed worker had
 * taken and not committed (delivery is at least once, consumers dedupe by request id and sample index).
 */
@Order(0)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkerFailoverIT {

    private static final int PER_SECOND = 2;
    private static final int SECONDS = 30;
    private static final int KILL_AFTER_SECONDS = 12;
    private static final int PARTITIONS = Topics.GENERATION_REQUESTS.partitions();

    private ClusterRoles c;
    private RoleProcess small;
    private RoleProcess large;

    @BeforeAll
    void start() throws Exception {
        c = new ClusterRoles("worker-failover");
        Map<String, String> a = c.env("worker-small");
        a.put("PHYSMASTER_WORKER_MAX_BATCH", "2");
        a.put("OMP_NUM_THREADS", "1");
        Map<String, String> b = c.env("worker-large");
        b.put("PHYSMASTER_WORKER_MAX_BATCH", "8");
        b.put("OMP_NUM_THREADS", "2");
        small = c.role("worker-small", 384, "io.physmaster.worker.WorkerMain", List.of(), a);
        large = c.role("worker-large", 768, "io.physmaster.worker.WorkerMain", List.of(), b);
        c.groups.awaitMembers(FaultStack.WORKER_GROUP, 2, Duration.ofSeconds(240), small, large);
    }

    @AfterAll
    void stop() {
        if (c != null) {
            c.close();
        }
    }

    @Test
    void killingOneOfTwoUnlikeWorkersMovesItsPartitionsAndLosesNoRequest() throws Exception {
        Map<String, Set<Integer>> before = partitions();
        Tail<GeneratedVideo> videos = c.tail(Topics.GENERATED_VIDEOS.name(), GeneratedVideo.class);
        Tail<GenerationProgress> progress = c.tail(Topics.GENERATION_PROGRESS.name(), GenerationProgress.class);
        Tail<GenerationRequest> requests = c.tail(Topics.GENERATION_REQUESTS.name(), GenerationRequest.class);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < PER_SECOND * SECONDS; i++) {
            ids.add(Records.id("wf"));
        }
        PacedLoad load = new PacedLoad(c.records, ids, PER_SECOND);
        load.start();
        Thread.sleep(KILL_AFTER_SECONDS * 1000L);
        RoleProcess victim = large; // the one with the larger batches: more in flight when it dies
        RoleProcess survivor = small;
        Set<Integer> moved = before.getOrDefault(victim.name(), Set.of());
        long killed = System.nanoTime();
        long killedAt = System.currentTimeMillis();
        victim.kill();
        Set<Integer> owned = Set.of();
        while (ClusterRoles.since(killed) < 120
                && (owned = partitions().getOrDefault(survivor.name(), Set.of())).size() < PARTITIONS) {
            Thread.sleep(200);
        }
        double takeover = ClusterRoles.since(killed);
        load.finish();
        List<String> accepted = new ArrayList<>(load.requestsAcked());
        boolean complete = videos.await(Duration.ofSeconds(150), () -> Delivery.videos(accepted, Records.SAMPLES,
                videos.values(v -> true), c.store).complete());
        double drained = ClusterRoles.since(killed);
        Thread.sleep(2000); // a late duplicate would be out by now

        List<GeneratedVideo> all = videos.values(v -> true);
        Delivery d = Delivery.videos(accepted, Records.SAMPLES, all, c.store);
        Map<String, Integer> partitionOf = new HashMap<>();
        requests.all().forEach(r -> partitionOf.put(r.key(), r.partition()));
        // Requests the victim had accepted (progress ACCEPTED) but whose videos it had not all published and
        // committed: the only ones the survivor may redo.
        Set<String> takenByVictim = new HashSet<>();
        progress.values(p -> victim.name().equals(p.getWorkerId()) && p.getState() == GenerationState.ACCEPTED)
                .forEach(p -> takenByVictim.add(p.getRequestId()));
        Map<String, Integer> perSample = new HashMap<>();
        all.forEach(v -> perSample.merge(v.getRequestId() + "/" + v.getSampleIndex(), 1, Integer::sum));
        List<String> unexpectedTwice = new ArrayList<>();
        perSample.forEach((k, n) -> {
            if (n > 1 && !takenByVictim.contains(k.substring(0, k.indexOf('/')))) {
                unexpectedTwice.add(k + " x" + n);
            }
        });
        long onceExactly = accepted.stream().filter(id -> perSample.getOrDefault(id + "/0", 0) == 1
                && perSample.getOrDefault(id + "/1", 0) == 1).count();
        Map<String, Long> byWorkerBefore = new HashMap<>();
        all.stream().filter(v -> v.getCreatedAt().toEpochMilli() < killedAt)
                .forEach(v -> byWorkerBefore.merge(v.getWorkerId().toString(), 1L, Long::sum));
        // The first video the survivor published, after the kill, for a request on a partition the victim held.
        double firstMoved = all.stream().filter(v -> survivor.name().equals(v.getWorkerId())
                        && v.getCreatedAt().toEpochMilli() > killedAt
                        && moved.contains(partitionOf.getOrDefault(v.getRequestId(), -1)))
                .mapToLong(v -> v.getCreatedAt().toEpochMilli()).min().orElse(killedAt - 1000) / 1000.0
                - killedAt / 1000.0;

        c.figures.add(new Figures.Row("workers: kill -9 of one of 2 unlike workers", accepted.size(), d.expected(),
                d.lost(), d.duplicated(), takeover, String.format(Locale.ROOT, "%d requests x 2 videos at %d/s; "
                        + "worker-small (batch 2, 1 thread, 384 MB) held partitions %s, worker-large (batch 8, 2 "
                        + "threads, 768 MB) %s; videos before the kill: %s; worker-large killed %d s in; "
                        + "recovery = kill to worker-small owning all %d partitions; its first video of a request on "
                        + "a moved partition %.1f s after the kill; every video %.1f s after it; requests answered "
                        + "exactly once %d of %d; (request, sample) answered twice %d, all of requests the killed "
                        + "worker had taken: %s; records whose sha256 is not their bytes %d; requests refused %d",
                        load.sent(), PER_SECOND, new TreeSet<>(before.getOrDefault(small.name(), Set.of())),
                        new TreeSet<>(moved), byWorkerBefore, KILL_AFTER_SECONDS, PARTITIONS, firstMoved, drained,
                        onceExactly, accepted.size(), d.duplicated(), unexpectedTwice.isEmpty(),
                        d.problems().size(), load.failures().size())));

        assertTrue(!before.getOrDefault(small.name(), Set.of()).isEmpty() && !moved.isEmpty(),
                "both workers had partitions before the kill: " + before);
        assertTrue(byWorkerBefore.getOrDefault(small.name(), 0L) > 0 && byWorkerBefore.getOrDefault(large.name(), 0L)
                > 0, "both workers answered requests before the kill: " + byWorkerBefore);
        assertEquals(List.of(), load.failures(), "requests refused");
        assertEquals(PARTITIONS, owned.size(), "the survivor did not get every partition: " + owned);
        assertTrue(survivor.isAlive(), "the survivor died:\n" + survivor.logTail(30));
        assertTrue(complete, "accepted requests without their videos: " + d + "\n" + survivor.logTail(30));
        assertEquals(List.of(), d.problems(), "every record's sha256 is the SHA-256 of the bytes at its URI");
        assertEquals(List.of(), unexpectedTwice, "answered twice without the kill being the cause");
    }

    /** Worker id (its consumer's client id) to the requests partitions it holds now. */
    private Map<String, Set<Integer>> partitions() {
        Map<String, Set<Integer>> out = new HashMap<>();
        ConsumerGroupDescription d = c.groups.describe(FaultStack.WORKER_GROUP);
        if (d != null) {
            for (MemberDescription m : d.members()) {
                Set<Integer> ps = new HashSet<>();
                m.assignment().topicPartitions().forEach(tp -> ps.add(tp.partition()));
                out.merge(m.clientId(), ps, (x, y) -> {
                    x.addAll(y);
                    return x;
                });
            }
        }
        return out;
    }
}
