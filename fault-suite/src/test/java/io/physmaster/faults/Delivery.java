package io.physmaster.faults;

import io.physmaster.blob.BlobStore;
import io.physmaster.blob.Sha256;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.schemas.PreferencePair;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Counts of what arrived against what was sent: lost, duplicated, corrupt. */
record Delivery(long expected, long lost, long duplicated, List<String> problems) {

    /**
     * The videos of {@code requests} ({@code samples} each) among {@code videos}: lost = (request, sample) without
     * a record, duplicated = records beyond the first per (request, sample), and a problem for every record whose
     * sha256 is not the SHA-256 of the bytes at its videoUri (read through the blob store).
     */
    static Delivery videos(Collection<String> requests, int samples, List<GeneratedVideo> videos, BlobStore blobs) {
        Set<String> ids = new HashSet<>(requests);
        Map<String, Integer> seen = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (GeneratedVideo v : videos) {
            if (!ids.contains(v.getRequestId())) {
                continue;
            }
            seen.merge(v.getRequestId() + "/" + v.getSampleIndex(), 1, Integer::sum);
            String actual;
            try (InputStream in = blobs.open(URI.create(v.getVideoUri()))) {
                actual = Sha256.hex(in.readAllBytes());
            } catch (IOException | RuntimeException e) {
                actual = "unreadable (" + e.getClass().getSimpleName() + ")";
            }
            if (!actual.equals(v.getSha256())) {
                problems.add(v.getRequestId() + "/" + v.getSampleIndex() + " from " + v.getWorkerId()
                        + ": record says " + v.getSha256() + ", bytes at its URI are " + actual);
            }
        }
        long expected = (long) ids.size() * samples;
        long lost = 0;
        long dup = 0;
        for (String id : ids) {
            for (int s = 0; s < samples; s++) {
                int n = seen.getOrDefault(id + "/" + s, 0);
                lost += n == 0 ? 1 : 0;
                dup += Math.max(0, n - 1);
            }
        }
        return new Delivery(expected, lost, dup, problems);
    }

    /**
     * The pairs of {@code requests} (one preference each) among the batches: lost = a request whose pair is in no
     * batch, duplicated = appearances beyond the first (a batch emitted twice counts every pair in it).
     */
    static Delivery pairs(Collection<String> requests, List<PreferenceBatch> batches) {
        Set<String> ids = new HashSet<>(requests);
        Map<String, Integer> seen = new HashMap<>();
        Map<String, Integer> batchIds = new HashMap<>();
        for (PreferenceBatch b : batches) {
            boolean ours = false;
            for (PreferencePair p : b.getPairs()) {
                if (ids.contains(p.getRequestId())) {
                    seen.merge(p.getRequestId(), 1, Integer::sum);
                    ours = true;
                }
            }
            if (ours) {
                batchIds.merge(b.getBatchId(), 1, Integer::sum);
            }
        }
        List<String> problems = new ArrayList<>();
        batchIds.forEach((id, n) -> {
            if (n > 1) {
                problems.add("batch " + id + " emitted " + n + " times");
            }
        });
        long lost = ids.stream().filter(id -> !seen.containsKey(id)).count();
        long dup = seen.values().stream().mapToLong(n -> n - 1).sum();
        return new Delivery(ids.size(), lost, dup, problems);
    }

    boolean complete() {
        return lost == 0;
    }
}
