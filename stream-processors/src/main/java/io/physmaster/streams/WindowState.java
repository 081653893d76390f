package io.physmaster.streams;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * One open window's preferences for one encoder version. Votes are kept per unordered pair of samples of a
 * request; each annotator counts once per pair (their latest vote).
 */
public final class WindowState {

    /** One pair's votes: annotator -> (preferred sample, confidence). */
    public static final class PairVotes {
        public String requestId;
        public int low;
        public int high;
        public Map<String, Integer> preferredBy = new LinkedHashMap<>();
        public Map<String, Float> confidenceBy = new LinkedHashMap<>();
        public Map<String, String> uris = new LinkedHashMap<>();
        public String sceneId;
    }

    public String encoderVersion;
    public long windowStart;
    public long windowEnd;
    public int part;
    public int eventsSeen;
    public int eventsDropped;
    public Map<String, PairVotes> pairs = new LinkedHashMap<>();
    public Set<String> eventIds = new LinkedHashSet<>();

    static String pairKey(String requestId, int a, int b) {
        return requestId + "|" + Math.min(a, b) + "|" + Math.max(a, b);
    }
}
