package io.physmaster.trainer;

import io.physmaster.dpo.FlowDpo;
import io.physmaster.dpo.DpoSteps;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.physmaster.blob.BlobStore;
import io.physmaster.blob.BlobStores;
import io.physmaster.model.ComputeLock;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.sim.io.ClipFile;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The frozen reference's Flow-DPO errors e_ref on recently generated videos, computed while the trainer waits
 * for a batch. Half of Eq. 3 does not depend on the policy: when a window closes, its pairs' reference errors
 * are already known and each DPO step runs the policy only (about a quarter of a step's work saved).
 *
 * <p>This works because a pair's noise and time are drawn from its request id ({@link #noiseSeed}): both videos of
 * a request share them (as Eq. 3 requires of a pair), and they are known as soon as the video is. The errors
 * belong to one reference version; when the version in service changes they are computed again (newest first).
 * Holds the last {@code capacity} videos' URIs and one float per video, never pixels.
 */
public final class ReferenceErrors {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ReferenceErrors.class);

    /** Videos per reference forward while catching up: small, so a batch that arrives waits little. */
    static final int CHUNK = 4;

    private final int capacity;
    private final int frames;
    /** Recent videos, oldest first: uri -> request id. */
    private final LinkedHashMap<String, String> recent;
    /** e_ref by uri, all for {@link #version} (read by other threads through {@link #known}). */
    private final Map<String, Float> errors = new ConcurrentHashMap<>();
    private volatile String version;
    private long computed;

    /** @param frames the model's frames per video (shorter videos repeat their last frame) */
    public ReferenceErrors(int capacity, int frames) {
        this.capacity = capacity;
        this.frames = frames;
        this.recent = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                boolean drop = size() > ReferenceErrors.this.capacity;
                if (drop) {
                    errors.remove(eldest.getKey());
                }
                return drop;
            }
        };
    }

    /** The noise seed of every pair from this request: SplitMix64 of the id's hash, so ids that differ a little spread. */
    public static long noiseSeed(String requestId) {
        long z = requestId.hashCode() + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A generated video to have the reference's error on. */
    public void add(String requestId, String uri) {
        if (capacity > 0) {
            recent.put(uri, requestId);
        }
    }

    /** Recent videos without an error for {@code referenceVersion} yet. */
    public int backlog(String referenceVersion) {
        return referenceVersion.equals(version) ? recent.size() - errors.size() : recent.size();
    }

    /** Reference forwards done so far (videos). */
    public long computed() {
        return computed;
    }

    /** Whether every one of these videos has its error for {@code referenceVersion}. */
    public boolean known(java.util.Collection<String> uris, String referenceVersion) {
        return referenceVersion.equals(version) && errors.keySet().containsAll(uris);
    }

    /** The pair with its reference errors attached when both are known for {@code referenceVersion}. */
    public DpoSteps.Pair attach(DpoSteps.Pair pair, String preferredUri, String rejectedUri, String referenceVersion) {
        if (pair.noiseSeed() == null || !referenceVersion.equals(version)) {
            return pair;
        }
        Float w = errors.get(preferredUri);
        Float l = errors.get(rejectedUri);
        return w == null || l == null ? pair : pair.withReference(new DpoSteps.Reference(w, l));
    }

    /**
     * Computes the errors of up to {@link #CHUNK} recent videos that lack one for {@code referenceVersion} (newest
     * first: they are the likeliest to be in the next batch), in one reference forward. Unreadable videos are
     * dropped. Returns how many videos were handled.
     */
    public int computeSome(PhysMasterModel reference, String referenceVersion, BlobStore blobs, NDManager manager) {
        if (!referenceVersion.equals(version)) {
            errors.clear();
            version = referenceVersion;
        }
        List<String> uris = new ArrayList<>();
        List<String> newestFirst = new ArrayList<>(recent.keySet());
        for (int i = newestFirst.size() - 1; i >= 0 && uris.size() < CHUNK; i--) {
            if (!errors.containsKey(newestFirst.get(i))) {
                uris.add(newestFirst.get(i));
            }
        }
        int s = reference.config().size();
        int plane = 3 * s * s;
        int f = frames - 1;
        List<String> ok = new ArrayList<>();
        List<float[]> videos = new ArrayList<>();
        for (String uri : uris) {
            try {
                ClipFile.Contents c = ClipFile.decode(BlobStores.read(URI.create(uri), blobs));
                if (c.width() != s || c.height() != s) {
                    throw new IOException(c.width() + "x" + c.height() + " video, the model makes " + s + "x" + s);
                }
                videos.add(DpoSteps.pad(c.video(), frames * plane, plane));
                ok.add(uri);
            } catch (IOException | RuntimeException e) {
                log.warn("event=reference_error_skipped uri={} reason=\"{}\"", uri, e.getMessage());
                recent.remove(uri);
            }
        }
        if (ok.isEmpty()) {
            return uris.size();
        }
        int n = ok.size();
        float[] first = new float[n * plane];
        float[] z = new float[n * f * plane];
        float[] noise = new float[n * f * plane];
        float[] t = new float[n];
        for (int i = 0; i < n; i++) {
            float[] v = videos.get(i);
            DpoSteps.toModelRange(v, 0, first, i * plane, plane);
            DpoSteps.toModelRange(v, plane, z, i * f * plane, f * plane); // frames 1..T-1, as DpoSteps feeds them
            t[i] = DpoSteps.drawNoise(noiseSeed(recent.get(ok.get(i))), noise, i * f * plane, f * plane);
        }
        try (ComputeLock.Held held = ComputeLock.hold(); NDManager m = manager.newSubManager()) {
            Shape video = new Shape(n, f, 3, s, s);
            NDArray e = FlowDpo.errors(new ParameterStore(m, false), reference, m.create(z, video),
                    m.create(first, new Shape(n, 3, s, s)), m.create(noise, video), m.create(t), false);
            float[] out = e.toFloatArray();
            for (int i = 0; i < n; i++) {
                errors.put(ok.get(i), out[i]);
            }
        }
        computed += n;
        return uris.size();
    }
}
