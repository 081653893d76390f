package io.physmaster.streams;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;

/**
 * The batcher's state layout. One small record per pair, so an event costs a few point reads and writes
 * instead of rewriting a whole window (the state grows with the window; the per-event work does not), and
 * emitting a batch is one prefix scan:
 * <pre>
 *   open-windows   windowKey                        -> WindowState  (counters, current part, id)
 *   window-pairs   [id: 8 bytes][part: 4 bytes]pairKey -> PairVotes (request, the two samples' URIs, votes)
 *   counted-votes  pairKey|annotator @ event time   -> 1            (window store: dedupe for dedupRetention)
 * </pre>
 * windowKey = len:encoderVersion@windowStart and pairKey = len:requestId|low|high carry the length of their
 * free-form part, so one key can never be the prefix of another's (request ids may contain '|'). A pair's key
 * starts with its window's id and part number in binary instead of the window key: the pairs store is a sorted
 * map compared byte by byte, and a long prefix shared by every pair of a window would make each compare long.
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
     * The window's id in the pairs store: where the event that opened it sits in the batcher's input
     * (partition << 48 | offset). Unique, and the same when the input is processed again after a crash.
     */
    public long id;

    /**
     * One unordered pair of samples (low < high sample index) with the URIs and seeds of their videos and the
     * votes cast on it in this part: annotator -> vote (few per pair: each annotator votes once).
     */
    public record PairVotes(String requestId, int low, int high, String lowUri, String highUri, long lowSeed,
                            long highSeed, String sceneId, Map<String, Vote> votes) {
    }

    /** One annotator's vote on a pair. */
    public record Vote(int preferred, float confidence) {
    }

    static String windowKey(String encoderVersion, long windowStart) {
        return encoderVersion.length() + ":" + encoderVersion + "@" + windowStart;
    }

    /** Prefix of the keys of every pair of one batch: the window's id and the part number, big-endian. */
    static Bytes partPrefix(long windowId, int part) {
        return Bytes.wrap(ByteBuffer.allocate(12).putLong(windowId).putInt(part).array());
    }

    /** A pair's key in the pairs store: its part's prefix, then the pair key's UTF-8. */
    static Bytes pairInPart(long windowId, int part, String pairKey) {
        byte[] prefix = partPrefix(windowId, part).get();
        byte[] pair = pairKey.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(prefix.length + pair.length).put(prefix).put(pair).array());
    }

    static String pairKey(String requestId, int a, int b) {
        return requestId.length() + ":" + requestId + "|" + Math.min(a, b) + "|" + Math.max(a, b);
    }
}
