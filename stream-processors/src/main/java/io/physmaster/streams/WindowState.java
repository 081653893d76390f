package io.physmaster.streams;

import java.util.Map;

/**
 * The batcher's state layout. One small record per pair, so an event costs a few point reads and writes
 * instead of rewriting a whole window (the state grows with the window; the per-event work does not), and
 * emitting a batch is one prefix scan:
 * <pre>
 *   open-windows   windowKey                        -> WindowState  (counters, current part)
 *   window-pairs   windowKey#part|pairKey           -> PairVotes    (request, the two samples' URIs, votes)
 *   counted-votes  pairKey|annotator @ event time   -> 1            (window store: dedupe for dedupRetention)
 * </pre>
 * windowKey = len:encoderVersion@windowStart and pairKey = len:requestId|low|high carry the length of their
 * free-form part, so one key can never be the prefix of another's (request ids may contain '|').
 * A "part" is a window's batch number: a batch that fills up early is emitted and the window carries on in part+1.
 */
public final class WindowState {

    public String encoderVersion;
    public long windowStart;
    public long windowEnd;
    /** Batches already emitted early from this window (the open one is number {@code part}). */
    public int part;
    /** Events that fell in the open part / of those, dropped (low confidence, duplicates). */
    public int eventsSeen;
    public int eventsDropped;
    /** Distinct pairs in the open part: the size trigger. */
    public int pairsInPart;

    /**
     * One unordered pair of samples (low < high sample index) with the URIs of their videos and the votes cast
     * on it in this part: annotator -> vote (few per pair: each annotator votes once).
     */
    public record PairVotes(String requestId, int low, int high, String lowUri, String highUri, String sceneId,
                            Map<String, Vote> votes) {
    }

    /** One annotator's vote on a pair. */
    public record Vote(int preferred, float confidence) {
    }

    static String windowKey(String encoderVersion, long windowStart) {
        return encoderVersion.length() + ":" + encoderVersion + "@" + windowStart;
    }

    /** Prefix of every pair and vote of one batch; ends with '|' so part 1 is no prefix of part 10. */
    static String partPrefix(String windowKey, int part) {
        return windowKey + "#" + part + "|";
    }

    static String pairKey(String requestId, int a, int b) {
        return requestId.length() + ":" + requestId + "|" + Math.min(a, b) + "|" + Math.max(a, b);
    }
}
