package io.physmaster.trainer;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.CosineTracker;
import io.physmaster.blob.BlobStore;
import io.physmaster.dpo.DpoSteps;
import io.physmaster.dpo.HeadDpo;
import io.physmaster.encoder.ServedEncoder;
import io.physmaster.model.Checkpoint;
import io.physmaster.model.LoraAdapters;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.schemas.EncoderVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The model the trainer keeps improving: one policy (the base model with a trainable physical head and, unless
 * the rank is 0, DiT LoRA adapters) against one fixed reference, the base model itself (the anchor). The Adam
 * state and a cosine learning-rate schedule carry over from window to window, so every window continues the
 * same optimisation instead of restarting at loss ln 2.
 */
final class OnlineLearner {

    /** The checkpoints of the policy's current encoder, ready to store. */
    record Checkpoints(byte[] head, byte[] adapters) {
    }

    private final DpoTrainerSettings settings;
    private final NDManager manager;
    private final PhysMasterModel reference;
    private final PhysMasterModel policy;
    private final ServedEncoder encoder;
    private final LoraAdapters adapters;
    private final List<Parameter> trainable = new ArrayList<>();
    private final Optimizer adam;
    private long steps;

    OnlineLearner(DpoTrainerSettings settings, BlobStore blobs, NDManager manager) throws IOException {
        this.settings = settings;
        this.manager = manager;
        this.reference = Models.load(settings.model(), manager);
        this.policy = Models.load(settings.model(), manager);
        if (!policy.config().usesPhysEncoder()) {
            throw new IllegalArgumentException(settings.model() + " has no PhysEncoder: there is no head to train");
        }
        this.encoder = new ServedEncoder(policy, settings.baseVersion(), blobs, manager);
        this.adapters = settings.loraRank() > 0 ? encoder.attachAdapters(settings.loraRank(), settings.loraRank())
                : null;
        trainable.addAll(HeadDpo.parameters(policy));
        if (adapters != null) {
            trainable.addAll(adapters.parameters());
        }
        this.adam = DpoSteps.adam(CosineTracker.builder().setBaseValue(settings.learningRate())
                .optFinalValue(settings.learningRate() / 10).setMaxUpdates(settings.lrHorizon()).build());
    }

    /** Continues from a published version (after a restart): its head and adapters become the policy's. */
    void resumeFrom(EncoderVersion v) throws IOException {
        encoder.use(v);
    }

    /** {@code steps} Flow-DPO steps over the pairs (passes in random order; fresh noise unless a pair has a seed). */
    DpoSteps.Result train(List<DpoSteps.Pair> pairs, int steps, long seed) {
        DpoSteps.Result r = DpoSteps.train(policy, reference, trainable, pairs, new DpoSteps.Config(steps,
                DpoTrainerSettings.PAIRS_PER_STEP, settings.beta(), settings.learningRate(), seed), adam, manager,
                f -> { });
        this.steps += r.steps();
        return r;
    }

    /** Optimizer steps applied since start. */
    long steps() {
        return steps;
    }

    PhysMasterModel policy() {
        return policy;
    }

    PhysMasterModel reference() {
        return reference;
    }

    boolean trainsAdapters() {
        return adapters != null;
    }

    /** The policy's head (and adapters) as checkpoint files' bytes. */
    Checkpoints checkpoints(Map<String, Object> seeds, Map<String, Double> figures) throws IOException {
        byte[] head = save("head", policy.encoder().head(), seeds, figures);
        byte[] lora = null;
        if (adapters != null) {
            Map<String, Object> s = new java.util.HashMap<>(seeds);
            s.put("lora_rank", adapters.rank());
            s.put("lora_alpha", (float) adapters.rank());
            lora = save("lora", adapters, s, figures);
        }
        return new Checkpoints(head, lora);
    }

    private byte[] save(String kind, ai.djl.nn.Block block, Map<String, Object> seeds, Map<String, Double> figures)
            throws IOException {
        Path tmp = Files.createTempFile(kind + "-", ".pmck");
        try {
            Checkpoint.save(tmp, kind, policy.config(), block, steps, seeds, figures);
            return Files.readAllBytes(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
