package io.physmaster.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.schemas.EncoderVersion;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.schemas.PreferencePair;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Split;
import io.physmaster.sim.io.ClipFile;
import io.physmaster.topics.Topics;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two trainers (DpoTrainerMain, the tiny model, consolidation on) in one group on the 3-node cluster: one owns the
 * one-partition batches topic and publishes, the other waits; kill -9 of the active one while batches flow. The
 * standby takes over, and the versions topic shows every number once, in order, each version following the one
 * before, and exactly one version per batch.
 */
@Order(0)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainerFailoverIT {

    private static final int BATCHES = 8;
    private static final int KILL_AFTER_VERSION_OF = 3; // the 3rd batch's version is out: kill at once

    private ClusterRoles c;
    private final List<RoleProcess> trainers = new ArrayList<>();
    private String history;

    @BeforeAll
    void start() throws Exception {
        c = new ClusterRoles("trainer-failover");
        // As after an outage: one batch was trained and committed before both trainers (re)start, so each
        // rebuilds a non-empty replay buffer, which its consolidation would train on.
        history = "history-" + Records.id("b");
        c.records.send(Topics.PREFERENCE_BATCHES.name(), history, batch(history, pairs(history, 0))).get();
        commitForTrainers(1);
        for (String name : List.of("trainer-a", "trainer-b")) {
            Map<String, String> env = c.env(name);
            env.put("PHYSMASTER_GATE_SCENES", "2");
            env.put("PHYSMASTER_GATE_TOLERANCE", "1e9"); // every candidate passes: one version per batch
            env.put("PHYSMASTER_DPO_LORA_RANK", "0");
            env.put("PHYSMASTER_DPO_CONSOLIDATE_STEPS", "4");
            env.put("PHYSMASTER_DPO_REFERENCE_VIDEOS", "0");
            env.put("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=131072:glibc.malloc.arena_max=2");
            RoleProcess t = c.role(name, 768, "io.physmaster.trainer.DpoTrainerMain", List.of(), env);
            trainers.add(t);
            // Both use the stack's key file; the first creates it when missing, so the second starts after.
            long keyDeadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (!t.logged("event=trainer_key") && System.nanoTime() < keyDeadline) {
                assertTrue(t.isAlive(), t + " exited:\n" + t.logTail(40));
                Thread.sleep(100);
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(240).toNanos();
        while (!trainers.stream().allMatch(t -> t.logged("event=trainer_ready"))) {
            for (RoleProcess t : trainers) {
                assertTrue(t.isAlive(), t + " exited:\n" + t.logTail(40));
            }
            assertTrue(System.nanoTime() < deadline, "trainers not ready in 240 s");
            Thread.sleep(250);
        }
    }

    @AfterAll
    void stop() {
        if (c != null) {
            c.close();
        }
    }

    @Test
    void theStandbyTakesOverAndNoVersionIsPublishedTwiceOrSkipped() throws Exception {
        Tail<EncoderVersion> versions = c.tail(Topics.ENCODER_VERSIONS.name(), EncoderVersion.class);
        List<String> batchIds = new ArrayList<>();
        for (int i = 1; i <= BATCHES; i++) {
            batchIds.add("b" + i + "-" + Records.id("t"));
        }
        RoleProcess active = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while ((active = owner(2)) == null) {
            assertTrue(System.nanoTime() < deadline, "the group did not settle with one owner of two: "
                    + c.groups.describe(FaultStack.TRAINER_GROUP));
            Thread.sleep(200);
        }
        RoleProcess standby = trainers.get(0) == active ? trainers.get(1) : trainers.get(0);
        int standbyAtStart = standby.count("event=encoder_published") + standby.count("event=candidate");

        // Batches every 2 s; the active trainer is killed as soon as the third one's version is out.
        long killed = 0;
        long killedAt = 0; // wall clock, to compare with the versions' record timestamps
        int standbyBefore = 0;
        int sentBeforeKill = 0;
        for (int i = 0; i < BATCHES; i++) {
            String id = batchIds.get(i);
            c.records.send(Topics.PREFERENCE_BATCHES.name(), id, batch(id, pairs(id, 3 * (i + 1)))).get();
            if (killed == 0 && i + 1 >= KILL_AFTER_VERSION_OF) {
                String third = batchIds.get(KILL_AFTER_VERSION_OF - 1);
                assertTrue(versions.await(Duration.ofSeconds(120), () -> versionOf(versions, third) != null),
                        "no version for " + third + ":\n" + active.logTail(30));
                standbyBefore = standby.count("event=encoder_published") + standby.count("event=candidate")
                        - standbyAtStart;
                killed = System.nanoTime();
                killedAt = System.currentTimeMillis();
                active.kill();
                sentBeforeKill = i + 1;
            } else {
                Thread.sleep(2000);
            }
        }
        long kill = killed;
        long killWall = killedAt;
        boolean assigned = false;
        while (ClusterRoles.since(kill) < 120 && !(assigned = owner(1) == standby)) {
            Thread.sleep(200);
        }
        double assignedAfter = ClusterRoles.since(kill);
        boolean firstAfter = versions.await(Duration.ofSeconds(120), () -> versions.all().stream()
                .anyMatch(r -> r.timestamp() > killWall));
        // When the survivor's first version was published (its record's timestamp), from the kill.
        double firstVersionAfter = versions.all().stream().mapToLong(Tail.Rec::timestamp).filter(t -> t > killWall)
                .min().orElse(killWall - 1000) / 1000.0 - killWall / 1000.0;
        boolean all = versions.await(Duration.ofSeconds(150),
                () -> batchIds.stream().allMatch(b -> versionOf(versions, b) != null));
        double allAfter = ClusterRoles.since(kill);
        Thread.sleep(3000); // a version published twice would be out by now

        List<EncoderVersion> line = versions.values(v -> true);
        List<String> problems = new ArrayList<>();
        String parent = null;
        for (int i = 0; i < line.size(); i++) {
            EncoderVersion v = line.get(i);
            int n = ordinal(v.getVersion());
            if (n != i + 1) {
                problems.add("version #" + (i + 1) + " on the topic is " + v.getVersion());
            }
            if (parent != null && !parent.equals(String.valueOf(v.getParent()))) {
                problems.add(v.getVersion() + " follows " + v.getParent() + ", not " + parent);
            }
            parent = v.getVersion();
        }
        Map<String, Integer> perBatch = new HashMap<>();
        for (String b : batchIds) {
            perBatch.put(b, (int) line.stream().filter(v -> v.getVersion().endsWith(tag(b))).count());
        }
        perBatch.forEach((b, n) -> {
            if (n != 1) {
                problems.add(b + " turned into " + n + " versions");
            }
        });
        EncoderVersion last = line.isEmpty() ? null : line.get(line.size() - 1);
        boolean lineage = last != null && last.getBatchIds().containsAll(batchIds);
        long consolidated = line.stream().filter(v -> v.getVersion().matches("online-\\d+-c\\d+")).count();

        c.figures.add(new Figures.Row("trainer: kill -9 of the active one of 2", BATCHES, BATCHES,
                perBatch.values().stream().filter(n -> n == 0).count(),
                perBatch.values().stream().mapToLong(n -> Math.max(0, n - 1)).sum(), firstVersionAfter,
                String.format(Locale.ROOT, "%d batches of 3 pairs every 2 s (+1 committed before start), %s killed "
                        + "once batch 3's version was out (%d batches sent by then); %s owned the partition alone "
                        + "%.1f s after the kill, published its first version %.1f s after it, every batch's version "
                        + "%.1f s after it; versions on the topic %d (%d from consolidation), numbers 1..%d: "
                        + "problems %d; last version's lineage holds every batch: %s; the standby's candidates and "
                        + "publications before the kill: %d", BATCHES, active.name(), sentBeforeKill,
                        standby.name(), assignedAfter, firstVersionAfter, allAfter, line.size(), consolidated,
                        line.size(), problems.size(), lineage, standbyBefore)));

        assertEquals(0, standbyBefore, "the standby trained and published while the other owned the batches");
        assertTrue(standby.isAlive(), "the standby died:\n" + standby.logTail(40));
        assertTrue(assigned, "the standby did not get the batches partition");
        assertTrue(firstAfter, "no version after the kill:\n" + standby.logTail(40));
        assertTrue(all, "batches without a version: " + perBatch + "\n" + standby.logTail(40));
        assertEquals(List.of(), problems, "version numbers and parents");
        assertTrue(lineage, "the last version's lineage lacks batches: " + (last == null ? null : last.getBatchIds()));
    }

    /** The trainer that alone holds the batches partition in a stable group of {@code members}, or null. */
    private RoleProcess owner(int members) {
        var d = c.groups.describe(FaultStack.TRAINER_GROUP);
        if (d == null || d.groupState() != org.apache.kafka.common.GroupState.STABLE || d.members().size() != members) {
            return null;
        }
        var owners = d.members().stream().filter(m -> !m.assignment().topicPartitions().isEmpty()).toList();
        if (owners.size() != 1) {
            return null;
        }
        return trainers.stream().filter(t -> t.isAlive() && owners.get(0).clientId().equals("dpo-trainer-" + t.pid()))
                .findFirst().orElse(null);
    }

    private static String tag(String batchId) {
        return "-w" + Integer.toHexString(batchId.hashCode()); // DpoTrainer's tag for a batch's version
    }

    private static EncoderVersion versionOf(Tail<EncoderVersion> versions, String batchId) {
        return versions.values(v -> v.getVersion().endsWith(tag(batchId))).stream().findFirst().orElse(null);
    }

    private static int ordinal(String version) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("online-(\\d+)-.*").matcher(version);
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** Commits the trainers' group at {@code offset} of the batches partition (what a trainer did before). */
    private void commitForTrainers(long offset) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, c.stack.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, FaultStack.TRAINER_GROUP);
        try (KafkaConsumer<byte[], byte[]> k = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(Topics.PREFERENCE_BATCHES.name(), 0);
            k.assign(List.of(tp));
            k.commitSync(Map.of(tp, new OffsetAndMetadata(offset)));
        }
    }

    /** Three pairs of training scenes (the simulated video preferred over the frozen one), stored as .pmv. */
    private List<PreferencePair> pairs(String run, int from) throws Exception {
        List<PreferencePair> pairs = new ArrayList<>();
        for (int i = from; i < from + 3; i++) {
            RenderedClip truth = ProxyTask.render(ProxyTask.scene(Split.TRAIN, i), ClipSpec.MODEL);
            URI w = c.store.put("c/" + run + i + "-w.pmv", ClipFile.encode(new ClipFile.Contents("train:" + i, 16,
                    32, 32, 10, truth.video(), null, null)), "application/octet-stream");
            URI l = c.store.put("c/" + run + i + "-l.pmv", ClipFile.encode(new ClipFile.Contents("train:" + i, 16,
                    32, 32, 10, truth.frozenVideo(), null, null)), "application/octet-stream");
            pairs.add(PreferencePair.newBuilder().setRequestId(run + "-r" + i).setPreferredUri(w.toString())
                    .setRejectedUri(l.toString()).setEncoderVersion("stage1").build());
        }
        return pairs;
    }

    private static PreferenceBatch batch(String id, List<PreferencePair> pairs) {
        return PreferenceBatch.newBuilder().setBatchId(id).setEncoderVersion("stage1").setWindowStart(Instant.now())
                .setWindowEnd(Instant.now()).setPairs(pairs).setEventsSeen(pairs.size()).build();
    }
}
