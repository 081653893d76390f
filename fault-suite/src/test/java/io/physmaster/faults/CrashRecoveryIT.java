package io.physmaster.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.faults.FaultStack.Fixture;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.GenerationState;
import io.physmaster.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/** kill -9 of a worker, of the broker and of the Streams app, each while work is in flight. */
@ExtendWith(FaultStack.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Order(1)
class CrashRecoveryIT {

    private final Fixture f = FaultStack.get();

    @Test
    @Order(1)
    void aWorkerKilledMidBatchLosesNothingAndEveryRecordMatchesItsBytes() throws Exception {
        List<String> ids = send("wk", 16);
        // worker-a is mid-batch once its first video is out: the rest of its poll is sampled or being published,
        // and nothing of that poll is committed.
        assertTrue(f.videos.await(Duration.ofSeconds(90), () -> !videos(ids, "worker-a").isEmpty()),
                "worker-a produced no video:\n" + f.workerA.logTail(30));
        int before = videos(ids, "worker-a").size();
        long killed = System.nanoTime();
        f.workerA.kill();
        boolean complete = f.videos.await(Duration.ofSeconds(120), () -> delivery(ids).complete());
        double recovery = seconds(killed);
        Delivery d = delivery(ids);
        // Proof the kill fell inside a batch: requests worker-a had taken (and not committed) that worker-b redid.
        long redone = f.progress.values(p -> ids.contains(p.getRequestId()) && "worker-a".equals(p.getWorkerId())
                        && p.getState() == GenerationState.ACCEPTED).stream().map(p -> p.getRequestId()).distinct()
                .filter(id -> !videos(List.of(id), "worker-b").isEmpty()).count();
        f.figures.add(new Figures.Row("worker kill -9 mid-batch (2 workers)", ids.size(), d.expected(), d.lost(),
                d.duplicated(), recovery, String.format(Locale.ROOT, "%d requests x 2 videos; worker-a had "
                        + "published %d when killed, worker-b redid %d requests worker-a had taken; recovery = kill "
                        + "to the last video; records whose sha256 is not their bytes: %d",
                        ids.size(), before, redone, d.problems().size())));
        f.workerA.start(); // back for the next scenarios (a restart, not part of the recovery)
        f.groups.awaitMembers(FaultStack.WORKER_GROUP, 2, Duration.ofSeconds(90), f.workerA, f.workerB);
        assertTrue(complete, "videos lost after the kill: " + d);
        assertEquals(List.of(), d.problems(), "every record's sha256 must be the SHA-256 of the bytes at its URI");
        assertTrue(redone > 0, "the kill fell between batches: worker-b redid nothing worker-a had taken");
    }

    @Test
    @Order(2)
    void theBrokerKilledAndRestartedLosesNothingAndTheRolesRecoverUnaided() throws Exception {
        List<Long> pids = f.roles().stream().map(RoleProcess::pid).toList();
        List<String> before = send("bk-before", 6);
        assertTrue(f.videos.await(Duration.ofSeconds(60), () -> !videos(before, null).isEmpty()),
                "no video before the kill");
        long killed = System.nanoTime();
        f.broker.kill();
        // Sent while the broker is down, from another thread: a client's send blocks while it has no metadata
        // (up to max.block.ms), and the restart must not wait for it.
        List<String> during = ids("bk-during", 6);
        CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> send(during));
        Thread.sleep(3000);
        double down = seconds(killed);
        long restarting = System.nanoTime();
        f.broker.restart(Duration.ofSeconds(90));
        long ready = System.nanoTime();
        double restart = seconds(restarting);
        sending.get(180, TimeUnit.SECONDS);
        assertTrue(f.videos.await(Duration.ofSeconds(120), () -> !videos(during, null).isEmpty()),
                "no video of a request sent while the broker was down:\n" + f.workerB.logTail(30));
        double firstVideo = seconds(ready);
        List<String> all = new ArrayList<>(before);
        all.addAll(during);
        boolean complete = f.videos.await(Duration.ofSeconds(120), () -> delivery(all).complete());
        double allServed = seconds(ready);
        Delivery d = delivery(all);

        // The Streams app, never restarted, batches preferences on those videos.
        long prefs = System.nanoTime();
        for (String id : all) {
            f.records.send(Topics.PREFERENCE_EVENTS.name(), id, Records.preference(id, "broker-check"));
        }
        f.records.flush();
        boolean batched = f.batches.await(Duration.ofSeconds(90),
                () -> Delivery.pairs(all, f.batches.values(b -> true)).complete());
        double batchedAfter = seconds(prefs);
        Delivery p = Delivery.pairs(all, f.batches.values(b -> true));
        f.figures.add(new Figures.Row("broker kill -9 + restart", 2L * all.size(), d.expected() + p.expected(),
                d.lost() + p.lost(), d.duplicated() + p.duplicated(), firstVideo, String.format(Locale.ROOT,
                        "%d requests (6 sent before, 6 while down) x 2 videos + %d preferences; broker down %.1f s, "
                        + "restart to ready %.1f s; recovery = ready to the first video of a request sent while "
                        + "down; all videos %.1f s after ready; preferences batched %.1f s after sending; "
                        + "roles restarted: %d", all.size(), all.size(), down, restart, allServed, batchedAfter,
                        restartedRoles(pids))));
        assertTrue(complete, "videos lost across the broker restart: " + d);
        assertEquals(List.of(), d.problems());
        assertTrue(batched, "preferences after the broker restart were not batched: " + p);
        assertEquals(0, p.duplicated(), "pairs batched twice: " + p);
        assertEquals(0, restartedRoles(pids), "every role rides out the broker restart in the same process");
    }

    @Test
    @Order(3)
    void theStreamsAppKilledMidWindowLosesAndDoublesNoBatch() throws Exception {
        // Videos for the preferences, published as a worker would (this scenario is about the Streams app).
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            String id = Records.id("st");
            ids.add(id);
            for (int s = 0; s < 2; s++) {
                f.records.send(Topics.GENERATED_VIDEOS.name(), id, Records.video(id, s));
            }
        }
        f.records.flush();
        // Start at the beginning of a 10 s window, so the kill falls inside the window of the first half.
        while (System.currentTimeMillis() % 10_000 > 1_000) {
            Thread.sleep(50);
        }
        List<String> firstHalf = ids.subList(0, 12);
        List<String> secondHalf = ids.subList(12, 24);
        preferences(firstHalf);
        long waitFrom = System.nanoTime();
        boolean read;
        while (!(read = f.groups.caughtUp(FaultStack.STREAMS_APP, Topics.PREFERENCE_EVENTS.name(), 6))
                && seconds(waitFrom) < 6) {
            Thread.sleep(100);
        }
        double readAfter = seconds(waitFrom);
        boolean midWindow = Delivery.pairs(firstHalf, f.batches.values(b -> true)).lost() == firstHalf.size();
        double intoWindow = System.currentTimeMillis() % 10_000 / 1000.0;
        f.streams.kill();
        preferences(secondHalf); // sent while the app is down
        Thread.sleep(1000);
        long restarted = System.nanoTime();
        f.streams.start();
        boolean complete = f.batches.await(Duration.ofSeconds(120),
                () -> Delivery.pairs(ids, f.batches.values(b -> true)).complete());
        double recovery = seconds(restarted);
        Delivery p = Delivery.pairs(ids, f.batches.values(b -> true));
        f.figures.add(new Figures.Row("Streams app kill -9 mid-window + restart", ids.size(), p.expected(), p.lost(),
                p.duplicated(), recovery, String.format(Locale.ROOT, "24 preferences: 12 before the kill (the app "
                        + "had %s them after %.1f s), 12 while it was down; killed %.1f s into its 10 s window; "
                        + "recovery = restart to every pair in a batch; batches emitted twice: %d",
                        read ? "committed" : "not yet committed", readAfter, intoWindow, p.problems().size())));
        assertTrue(midWindow, "the first half's batch came out before the kill: the kill was not mid-window");
        assertTrue(complete, "preferences lost across the Streams restart: " + p + "\n" + f.streams.logTail(30));
        assertEquals(0, p.duplicated(), "pairs counted twice: " + p);
        assertEquals(List.of(), p.problems());
    }

    private void preferences(List<String> ids) {
        for (String id : ids) {
            f.records.send(Topics.PREFERENCE_EVENTS.name(), id, Records.preference(id, "streams-check"));
        }
        f.records.flush();
    }

    private List<String> send(String prefix, int n) {
        List<String> ids = ids(prefix, n);
        send(ids);
        return ids;
    }

    private static List<String> ids(String prefix, int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(Records.id(prefix));
        }
        return ids;
    }

    private void send(List<String> ids) {
        for (int i = 0; i < ids.size(); i++) {
            f.records.send(Topics.GENERATION_REQUESTS.name(), ids.get(i), Records.request(ids.get(i), i));
        }
    }

    private List<GeneratedVideo> videos(List<String> ids, String worker) {
        return f.videos.values(v -> ids.contains(v.getRequestId())
                && (worker == null || worker.equals(v.getWorkerId())));
    }

    private Delivery delivery(List<String> ids) {
        return Delivery.videos(ids, Records.SAMPLES, videos(ids, null), f.store);
    }

    private int restartedRoles(List<Long> pids) {
        List<RoleProcess> roles = f.roles();
        int n = 0;
        for (int i = 0; i < pids.size(); i++) {
            n += roles.get(i).isAlive() && roles.get(i).pid() == pids.get(i) ? 0 : 1;
        }
        return n;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
