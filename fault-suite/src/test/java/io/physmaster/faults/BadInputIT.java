package io.physmaster.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.faults.FaultStack.Fixture;
import io.physmaster.schemas.DeadLetter;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.topics.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Input that must not hurt: an undecodable record on every topic a role reads, and requests or versions that
 * point outside the blob store ({@link EscapeChecks}). Each is one dead letter or refusal with a short reason,
 * and every role keeps serving.
 */
@ExtendWith(FaultStack.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Order(3)
class BadInputIT {

    private final Fixture f = FaultStack.get();

    @Test
    @Order(1)
    void poisonOnEveryInputTopicIsOneDeadLetterEachAndTheRolesLive() throws Exception {
        f.trainer(); // the one role reading preference batches
        String tag = Records.id("p");
        Map<String, SpecificRecord> templates = new LinkedHashMap<>();
        templates.put(Topics.GENERATION_REQUESTS.name(), Records.request("template", 0));
        templates.put(Topics.PREFERENCE_EVENTS.name(), Records.preference("template", "template"));
        templates.put(Topics.GENERATED_VIDEOS.name(), Records.video("template", 0));
        templates.put(Topics.PREFERENCE_BATCHES.name(), PreferenceBatch.newBuilder().setBatchId("template")
                .setEncoderVersion("stage1").setWindowStart(Instant.EPOCH).setWindowEnd(Instant.EPOCH)
                .setPairs(List.of()).build());
        Map<String, String> keyByTopic = new LinkedHashMap<>();
        long sent = System.nanoTime();
        for (var t : templates.entrySet()) {
            String key = "poison-" + t.getKey().substring(Topics.PREFIX.length()) + "-" + tag;
            keyByTopic.put(t.getKey(), key);
            f.records.sendRaw(t.getKey(), key, f.records.truncated(t.getKey(), t.getValue()));
        }
        f.records.flush();

        // Good traffic after the poison: a request, then a preference on its videos, then the trainer's batch.
        String good = Records.id("after-poison");
        f.records.send(Topics.GENERATION_REQUESTS.name(), good, Records.request(good, 7));
        boolean served = f.videos.await(Duration.ofSeconds(60),
                () -> Delivery.videos(List.of(good), 2, f.videos.values(v -> true), f.store).complete());
        boolean lettered = f.deadLetters.await(Duration.ofSeconds(60),
                () -> keyByTopic.values().stream().allMatch(k -> !letters(k).isEmpty()));
        double toLetters = (System.nanoTime() - sent) / 1e9;
        boolean batched = false;
        boolean trained = false;
        if (served) {
            f.records.send(Topics.PREFERENCE_EVENTS.name(), good, Records.preference(good, "after-poison"));
            f.records.flush();
            batched = f.batches.await(Duration.ofSeconds(60),
                    () -> Delivery.pairs(List.of(good), f.batches.values(b -> true)).complete());
            long offset = f.batches.all().stream().filter(r -> r.value() != null && r.value().getPairs().stream()
                    .anyMatch(p -> p.getRequestId().equals(good))).mapToLong(Tail.Rec::offset).max().orElse(-1);
            TopicPartition tp = new TopicPartition(Topics.PREFERENCE_BATCHES.name(), 0);
            trained = batched && f.batches.await(Duration.ofSeconds(90),
                    () -> f.groups.committed(FaultStack.TRAINER_GROUP, tp) > offset);
        }
        Thread.sleep(2000); // a second letter for the same record would show up by now
        f.deadLetters.poll(Duration.ofMillis(500));

        List<String> issues = new ArrayList<>();
        long missing = 0;
        long extra = 0;
        for (var e : keyByTopic.entrySet()) {
            List<DeadLetter> ls = letters(e.getValue());
            missing += ls.isEmpty() ? 1 : 0;
            extra += Math.max(0, ls.size() - 1);
            if (ls.size() != 1) {
                issues.add(e.getKey() + ": " + ls.size() + " dead letters");
            }
            for (DeadLetter l : ls) {
                if (l.getReason().isBlank() || l.getReason().length() > 500
                        || !e.getKey().equals(l.getOriginalTopic())) {
                    issues.add(e.getKey() + ": letter from " + l.getComponent() + " on " + l.getOriginalTopic()
                            + " with reason '" + l.getReason() + "'");
                }
            }
        }
        List<String> dead = f.roles().stream().filter(r -> !r.isAlive()).map(RoleProcess::name).toList();
        f.figures.add(new Figures.Row("poison, one record per input topic", keyByTopic.size(), keyByTopic.size(),
                missing, extra, lettered ? toLetters : -1, String.format(Locale.ROOT, "truncated Avro bodies on "
                        + "%s; recovery = sent to every dead letter out; afterwards: request served %s, "
                        + "preference batched %s, batch trained and committed %s; roles down: %s; components: %s",
                        String.join(", ", keyByTopic.keySet()).replace(Topics.PREFIX, ""), served, batched, trained,
                        dead, components(keyByTopic))));
        assertEquals(List.of(), issues, "exactly one dead letter per poisoned topic, with a short reason");
        assertTrue(served, "a good request after the poison was not served");
        assertTrue(batched, "a good preference after the poison was not batched");
        assertTrue(trained, "the trainer did not get past the poison to the next batch");
        assertEquals(List.of(), dead, "roles that died");
    }

    @Test
    @Order(2)
    void pathAndUriEscapesAreRefusedWithoutReadingOutsideTheStore() throws Exception {
        EscapeChecks.Result r = new EscapeChecks(f).run();
        f.figures.add(new Figures.Row("path and URI escapes", r.sent(), r.sent(), r.notRefused(), r.extraLetters(), -1,
                r.summary()));
        assertEquals(List.of(), r.issues());
    }

    private List<DeadLetter> letters(String key) {
        return f.deadLetters.values(l -> key.equals(l.getKey()));
    }

    private String components(Map<String, String> keyByTopic) {
        List<String> out = new ArrayList<>();
        keyByTopic.forEach((topic, key) -> letters(key).forEach(l -> out.add(
                topic.substring(Topics.PREFIX.length()) + " -> " + l.getComponent())));
        return String.join(", ", out);
    }
}
