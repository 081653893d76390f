package io.physmaster.trainer;

import io.physmaster.blob.BlobNotFoundException;
import io.physmaster.blob.BlobStore;
import io.physmaster.blob.BlobStores;
import io.physmaster.dpo.DpoSteps;
import io.physmaster.schemas.PreferencePair;
import io.physmaster.sim.io.ClipFile;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Preference pairs' videos read from the blob store as DPO pairs. A window's first visit of a pair uses its
 * request's noise and time ({@link ReferenceErrors#noiseSeed}), whose reference errors were computed while the
 * trainer was idle; every later visit (replay) gets a fresh noise and time draw, and its step runs the reference
 * too: consolidation is itself idle-time work, so computing those errors ahead would only move the same forward
 * pass from one idle moment to another.
 */
final class PairLoader {

    private static final Logger log = LoggerFactory.getLogger(PairLoader.class);

    private final BlobStore blobs;
    private final int frames;
    private final ReferenceErrorFeed referenceErrors;
    private final ReplayBuffer replay;

    PairLoader(BlobStore blobs, int frames, ReferenceErrorFeed referenceErrors, ReplayBuffer replay) {
        this.blobs = blobs;
        this.frames = frames;
        this.referenceErrors = referenceErrors;
        this.replay = replay;
    }

    /** A new window's pairs: the request's noise seed, with the reference errors when they are known. */
    List<DpoSteps.Pair> firstVisit(Collection<PreferencePair> pairs) {
        return load(pairs, true);
    }

    /** Pairs replayed from the buffer: fresh noise and time at each visit. */
    List<DpoSteps.Pair> replayVisit(Collection<PreferencePair> pairs) {
        return load(pairs, false);
    }

    private List<DpoSteps.Pair> load(Collection<PreferencePair> pairs, boolean firstVisit) {
        List<DpoSteps.Pair> out = new ArrayList<>();
        for (PreferencePair p : pairs) {
            try {
                ClipFile.Contents w = ClipFile.decode(BlobStores.read(URI.create(p.getPreferredUri()), blobs));
                ClipFile.Contents l = ClipFile.decode(BlobStores.read(URI.create(p.getRejectedUri()), blobs));
                int plane = 3 * w.height() * w.width();
                int length = frames * plane;
                DpoSteps.Pair pair = new DpoSteps.Pair(Arrays.copyOf(w.video(), plane),
                        DpoSteps.pad(w.video(), length, plane), DpoSteps.pad(l.video(), length, plane),
                        firstVisit ? ReferenceErrors.noiseSeed(p.getRequestId()) : null, null);
                out.add(firstVisit ? referenceErrors.attach(pair, p.getPreferredUri(), p.getRejectedUri()) : pair);
            } catch (BlobNotFoundException e) {
                replay.remove(p); // its videos are gone for good: no use visiting it again
                log.warn("event=pair_unreadable request={} reason=\"{}\" (dropped from replay)", p.getRequestId(),
                        e.getMessage());
            } catch (IOException | RuntimeException e) {
                log.warn("event=pair_unreadable request={} reason=\"{}\"", p.getRequestId(), e.getMessage());
            }
        }
        return out;
    }
}
