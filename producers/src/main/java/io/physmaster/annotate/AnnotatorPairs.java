package io.physmaster.annotate;

import io.physmaster.schemas.GeneratedVideo;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The generated videos the annotator can show, and what each annotator has answered. Thread-safe: the
 * follower thread adds videos while request threads pick and record pairs.
 */
final class AnnotatorPairs {

    /** A pair to show: which sample goes left is decided per annotator, so position bias averages out. */
    record Pair(String requestId, int left, int right, int waiting) {
    }

    private final Map<String, NavigableMap<Integer, GeneratedVideo>> byRequest = new ConcurrentHashMap<>();
    /** annotator, request: answered (any choice, skips included), so not shown again. */
    private final Set<String> answered = ConcurrentHashMap.newKeySet();
    /** annotator, request, pair: claimed by the first POST of that choice, so a replay publishes nothing. */
    private final Set<String> recorded = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> done = new ConcurrentHashMap<>();

    void add(GeneratedVideo v) {
        if (v.getRawUri() != null) {
            byRequest.computeIfAbsent(v.getRequestId(), k -> new ConcurrentSkipListMap<>()).put(v.getSampleIndex(), v);
        }
    }

    /** The next pair this annotator has not answered, or null. */
    Pair next(String annotator) {
        String first = null;
        int waiting = 0;
        for (var e : byRequest.entrySet()) {
            if (e.getValue().size() >= 2 && !answered.contains(key(annotator, e.getKey()))) {
                waiting++;
                if (first == null) {
                    first = e.getKey();
                }
            }
        }
        if (first == null) {
            return null;
        }
        Iterator<Integer> samples = byRequest.get(first).keySet().iterator();
        int a = samples.next();
        int b = samples.next();
        boolean swap = ((annotator + first).hashCode() & 1) == 1;
        return new Pair(first, swap ? b : a, swap ? a : b, waiting);
    }

    /** The sample's video, or null when it is not known. */
    GeneratedVideo video(String requestId, int sample) {
        Map<Integer, GeneratedVideo> samples = byRequest.get(requestId);
        return samples == null ? null : samples.get(sample);
    }

    /** The request's lowest-numbered video (its first frame is the request's), or null. */
    GeneratedVideo first(String requestId) {
        NavigableMap<Integer, GeneratedVideo> samples = byRequest.get(requestId);
        var e = samples == null ? null : samples.firstEntry();
        return e == null ? null : e.getValue();
    }

    /**
     * Claims the answer of this annotator on this pair; false when it was already claimed (a replay, a
     * double click, a second tab). Atomic, so concurrent replays publish at most once.
     */
    boolean claim(String annotator, Choice c) {
        return recorded.add(pairKey(annotator, c));
    }

    /** Gives a claim back when the answer could not be published, so the annotator can try again. */
    void release(String annotator, Choice c) {
        recorded.remove(pairKey(annotator, c));
    }

    /** Marks the request answered by this annotator and returns how many they have answered. */
    int answered(String annotator, Choice c) {
        answered.add(key(annotator, c.requestId()));
        return done.merge(annotator, 1, Integer::sum);
    }

    int done(String annotator) {
        return done.getOrDefault(annotator, 0);
    }

    private static String key(String annotator, String requestId) {
        return annotator + '\n' + requestId;
    }

    private static String pairKey(String annotator, Choice c) {
        return key(annotator, c.requestId()) + '\n' + Math.min(c.left(), c.right()) + '\n'
                + Math.max(c.left(), c.right());
    }
}
