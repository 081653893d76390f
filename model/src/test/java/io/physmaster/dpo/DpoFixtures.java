package io.physmaster.dpo;

import ai.djl.ndarray.NDManager;
import io.physmaster.model.Checkpoint;
import io.physmaster.model.ModelConfig;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Test fixtures for Flow-DPO on a tiny model, shared with the trainer's tests (this module's test jar). */
public final class DpoFixtures {

    public static final ModelConfig TINY = FlowDpoTest.TINY;

    /** A model whose adaLN-zero gates are open, saved, so policy and reference start equal. */
    public static Path saved(Path dir, NDManager m) throws Exception {
        PhysMasterModel net = Models.create(TINY, m);
        for (var p : net.getParameters()) {
            if (p.getKey().contains("ada") || p.getKey().contains("final")) {
                p.getValue().getArray().addi(0.05f);
            }
        }
        Path file = dir.resolve("base.pmck");
        Checkpoint.save(file, "model", TINY, net, 0, Map.of(), Map.of());
        return file;
    }

    public static List<DpoSteps.Pair> pairs(int n) {
        Random r = new Random(5);
        int plane = 3 * 16 * 16;
        List<DpoSteps.Pair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] w = new float[TINY.frames() * plane];
            float[] l = new float[TINY.frames() * plane];
            for (int k = 0; k < w.length; k++) {
                w[k] = r.nextFloat();
                l[k] = r.nextFloat();
            }
            out.add(new DpoSteps.Pair(java.util.Arrays.copyOf(w, plane), w, l));
        }
        return out;
    }

    private DpoFixtures() {
    }
}
