package io.physmaster.faults;

import io.physmaster.topics.Topics;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A steady stream of requests and preferences (one of each per id, {@code perSecond} ids a second) from the
 * suite's acks=all idempotent producer, recording when each write was acknowledged and on which partition: an
 * id is accepted when both its request and its preference were acknowledged.
 */
final class PacedLoad implements AutoCloseable {

    /** One acknowledged write: when it was sent and when acknowledged (nanoTime), to which topic and partition. */
    record Ack(long sentAt, long at, String topic, int partition) {
    }

    private final Records records;
    private final List<String> ids;
    private final int perSecond;
    private final Set<String> requestsAcked = ConcurrentHashMap.newKeySet();
    private final Set<String> preferencesAcked = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;
    private volatile int sent;

    PacedLoad(Records records, List<String> ids, int perSecond) {
        this.records = records;
        this.ids = ids;
        this.perSecond = perSecond;
        this.thread = new Thread(this::run, "paced-load");
    }

    void start() {
        thread.start();
    }

    private void run() {
        long t0 = System.nanoTime();
        long step = 1_000_000_000L / perSecond;
        for (int i = 0; i < ids.size() && !stop.get(); i++) {
            long due = t0 + i * step;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                try {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                } catch (InterruptedException e) {
                    return;
                }
            }
            String id = ids.get(i);
            long sentAt = System.nanoTime();
            records.send(Topics.GENERATION_REQUESTS.name(), id, Records.request(id, i), (m, e) -> {
                if (e == null) {
                    requestsAcked.add(id);
                    acks.add(new Ack(sentAt, System.nanoTime(), m.topic(), m.partition()));
                } else {
                    failures.add("request " + id + ": " + e);
                }
            });
            records.send(Topics.PREFERENCE_EVENTS.name(), id, Records.preference(id, "failover"), (m, e) -> {
                if (e == null) {
                    preferencesAcked.add(id);
                    acks.add(new Ack(sentAt, System.nanoTime(), m.topic(), m.partition()));
                } else {
                    failures.add("preference " + id + ": " + e);
                }
            });
            sent = i + 1;
        }
    }

    /** Waits until every id was sent and the producer has an answer for each write. */
    void finish() throws InterruptedException {
        thread.join();
        records.flush();
    }

    int sent() {
        return sent;
    }

    /** Ids whose request and preference were both acknowledged. */
    List<String> accepted() {
        List<String> out = new ArrayList<>();
        for (String id : ids.subList(0, sent)) {
            if (requestsAcked.contains(id) && preferencesAcked.contains(id)) {
                out.add(id);
            }
        }
        return out;
    }

    Set<String> requestsAcked() {
        return new HashSet<>(requestsAcked);
    }

    Set<String> preferencesAcked() {
        return new HashSet<>(preferencesAcked);
    }

    List<Ack> acks() {
        return new ArrayList<>(acks);
    }

    List<String> failures() {
        return new ArrayList<>(failures);
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        thread.join(10_000);
    }
}
