package io.physmaster.trainer;

import io.physmaster.dpo.HeadDpo;
import io.physmaster.dpo.DpoFixtures;
import io.physmaster.dpo.DpoSteps;
import io.physmaster.model.ModelRuntime;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.physmaster.blob.LocalBlobStore;
import io.physmaster.model.Checkpoint;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.sim.io.ClipFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reference errors computed ahead give the same Flow-DPO step as the reference run inside the step. */
class ReferenceErrorsTest {

    @TempDir
    Path dir;

    @BeforeEach
    void device() {
        ModelRuntime.setUp();
    }

    /**
     * Videos of one request share their first frame, as a worker's samples do; pixels on the 8-bit grid of the
     * stored .pmv files, as the trainer reads them back.
     */
    private static List<DpoSteps.Pair> pairs(int n) {
        List<DpoSteps.Pair> out = new ArrayList<>();
        for (DpoSteps.Pair p : DpoFixtures.pairs(n)) {
            float[] w = quantized(p.preferred());
            float[] l = quantized(p.rejected());
            System.arraycopy(w, 0, l, 0, p.first().length);
            out.add(new DpoSteps.Pair(java.util.Arrays.copyOf(w, p.first().length), w, l));
        }
        return out;
    }

    private static float[] quantized(float[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Math.round(v[i] * 255f) / 255f;
        }
        return out;
    }

    /** A tiny model whose weights are all perturbed: c_phys then moves the velocity visibly. */
    private Path conditioned(NDManager m) throws Exception {
        PhysMasterModel net = Models.create(DpoFixtures.TINY, m);
        java.util.Random r = new java.util.Random(7);
        for (var p : net.getParameters()) {
            NDArray w = p.getValue().getArray();
            w.addi(noise(m, r, w, 0.05f));
        }
        Path file = dir.resolve("conditioned.pmck");
        Checkpoint.save(file, "model", DpoFixtures.TINY, net, 0, java.util.Map.of(), java.util.Map.of());
        return file;
    }

    private static NDArray noise(NDManager m, java.util.Random r, NDArray like, float scale) {
        float[] v = new float[(int) like.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian() * scale;
        }
        return m.create(v, like.getShape());
    }

    private static double firstStepLoss(PhysMasterModel policy, PhysMasterModel reference, List<DpoSteps.Pair> pairs,
                                        NDManager m) {
        List<Double> losses = new ArrayList<>();
        DpoSteps.Result r = DpoSteps.train(policy, reference, HeadDpo.parameters(policy), pairs,
                new DpoSteps.Config(1, pairs.size(), 2000f, 0f, 3), m, f -> losses.add(f.loss()));
        assertEquals(1, r.steps());
        return losses.get(0);
    }

    @Test
    void precomputedReferenceGivesTheSameLossAsTheReferenceInTheStep() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Path base = conditioned(m);
            PhysMasterModel policy = Models.load(base, m);
            PhysMasterModel reference = Models.load(base, m);
            // The policy differs from the reference, so the loss is not log 2 by construction. (Random: a constant
            // shift of every weight would be undone by the normalisation after the head.)
            java.util.Random r = new java.util.Random(11);
            HeadDpo.parameters(policy).forEach(p -> p.getArray().addi(noise(m, r, p.getArray(), 0.3f)));
            LocalBlobStore blobs = new LocalBlobStore(dir.resolve("blobs"));
            ReferenceErrors errors = new ReferenceErrors(16, DpoFixtures.TINY.frames());
            List<DpoSteps.Pair> seeded = new ArrayList<>();
            List<String[]> uris = new ArrayList<>();
            int i = 0;
            for (DpoSteps.Pair p : pairs(3)) {
                String request = "req-" + i;
                String w = put(blobs, request + "-w", p.preferred()).toString();
                String l = put(blobs, request + "-l", p.rejected()).toString();
                errors.add(request, w);
                errors.add(request, l);
                uris.add(new String[] {w, l});
                seeded.add(new DpoSteps.Pair(p.first(), p.preferred(), p.rejected(), ReferenceErrors.noiseSeed(request),
                        null));
                i++;
            }
            assertEquals(6, errors.backlog("v1"));
            while (errors.backlog("v1") > 0) {
                errors.computeSome(reference, "v1", blobs, m);
            }
            assertEquals(6, errors.computed());
            List<DpoSteps.Pair> known = new ArrayList<>();
            for (int k = 0; k < seeded.size(); k++) {
                DpoSteps.Pair p = errors.attach(seeded.get(k), uris.get(k)[0], uris.get(k)[1], "v1");
                assertNotNull(p.reference(), "both videos have their errors");
                assertNull(errors.attach(seeded.get(k), uris.get(k)[0], uris.get(k)[1], "v2").reference(),
                        "errors of another reference version are not used");
                known.add(p);
            }
            double inStep = firstStepLoss(policy, reference, seeded, m);
            double ahead = firstStepLoss(policy, reference, known, m);
            assertTrue(Math.abs(Math.log(2) - inStep) > 1e-4, "the policy differs from the reference: " + inStep);
            // Equal up to float rounding (other batch shapes; beta / 2 = 1000 amplifies the errors' last digits);
            // another noise draw moves it from 0.73 to 119, unquantised pixels by about 0.05.
            assertEquals(inStep, ahead, 1e-3, "same loss with the reference computed ahead");

            // A new reference version: everything is computed again; old errors are not served meanwhile.
            assertEquals(6, errors.backlog("v2"));
            errors.computeSome(reference, "v2", blobs, m);
            assertEquals(2, errors.backlog("v2"));
        }
    }

    @Test
    void keepsTheNewestVideosAndDropsUnreadableOnes() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            PhysMasterModel reference = Models.load(DpoFixtures.saved(dir, m), m);
            LocalBlobStore blobs = new LocalBlobStore(dir.resolve("blobs"));
            ReferenceErrors errors = new ReferenceErrors(3, DpoFixtures.TINY.frames());
            List<DpoSteps.Pair> ps = pairs(2);
            errors.add("a", put(blobs, "a", ps.get(0).preferred()).toString());
            errors.add("b", dir.resolve("missing.pmv").toUri().toString());
            errors.add("c", put(blobs, "c", ps.get(1).preferred()).toString());
            errors.add("d", put(blobs, "d", ps.get(1).rejected()).toString()); // evicts "a"
            assertEquals(3, errors.backlog("v1"));
            errors.computeSome(reference, "v1", blobs, m);
            assertEquals(0, errors.backlog("v1"), "the unreadable video is dropped, the others computed");
            assertEquals(2, errors.computed());
        }
    }

    @Test
    void noiseSeedsDifferAcrossRequestsAndNeverChange() {
        assertEquals(ReferenceErrors.noiseSeed("r-1"), ReferenceErrors.noiseSeed("r-1"));
        assertTrue(ReferenceErrors.noiseSeed("r-1") != ReferenceErrors.noiseSeed("r-2"));
        float[] a = new float[8];
        float[] b = new float[8];
        assertEquals(DpoSteps.drawNoise(7, a, 0, 8), DpoSteps.drawNoise(7, b, 0, 8));
        assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
    }

    private static java.net.URI put(LocalBlobStore blobs, String name, float[] video) throws Exception {
        int s = DpoFixtures.TINY.size();
        return blobs.put("v/" + name + ".pmv", ClipFile.encode(new ClipFile.Contents(name, DpoFixtures.TINY.frames(),
                s, s, 10, video, null, null)), "application/octet-stream");
    }
}
