package io.physmaster.dpo;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.physmaster.model.PhysMasterModel;
import java.util.ArrayList;
import java.util.List;

/**
 * Stage III update: Flow-DPO on the physical head only (backbone, DiT and any LoRA frozen) against a frozen
 * reference. Used by the online trainer per preference batch and by the offline Stage III run.
 */
public final class HeadDpo {

    /** The physical head's parameters: what Stage III trains. */
    public static List<Parameter> parameters(PhysMasterModel policy) {
        List<Parameter> out = new ArrayList<>();
        policy.encoder().head().getParameters().forEach(p -> out.add(p.getValue()));
        return out;
    }

    public static DpoSteps.Result train(PhysMasterModel policy, PhysMasterModel reference, List<DpoSteps.Pair> pairs,
                                        DpoSteps.Config config, NDManager manager) {
        return DpoSteps.train(policy, reference, parameters(policy), pairs, config, manager, f -> { });
    }

    private HeadDpo() {
    }
}
