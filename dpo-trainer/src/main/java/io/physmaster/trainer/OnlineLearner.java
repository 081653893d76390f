package io.physmaster.trainer;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.CosineTracker;
import ai.djl.training.tracker.Tracker;
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
    private final Tracker schedule;
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
        this.schedule = CosineTracker.builder().setBaseValue(settings.learningRate())
                .optFinalValue(settings.learningRate() / 10).setMaxUpdates(settings.lrHorizon()).build();
        this.adam = DpoSteps.adam(schedule);
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

    /**
     * A new window's steps: the first pass over its pairs with each pair's own noise seed (reference errors known
     * ahead: the policy runs alone); any further steps (an explicit step count above one pass) with fresh noise
     * and times, so no pair is fitted twice on one draw.
     */
    DpoSteps.Result trainWindow(List<DpoSteps.Pair> pairs, int steps, long seed) {
        int pass = Math.min(steps, (pairs.size() + DpoTrainerSettings.PAIRS_PER_STEP - 1)
                / DpoTrainerSettings.PAIRS_PER_STEP);
        DpoSteps.Result first = train(pairs, pass, seed);
        if (steps == pass) {
            return first;
        }
        List<DpoSteps.Pair> fresh = pairs.stream().map(p -> new DpoSteps.Pair(p.first(), p.preferred(), p.rejected()))
                .toList();
        return combine(first, train(fresh, steps - pass, seed + 1));
    }

    /** Figures of two runs as one (means weighted by applied steps). */
    static DpoSteps.Result combine(DpoSteps.Result a, DpoSteps.Result b) {
        int n = a.steps() + b.steps();
        double wa = n == 0 ? 0.5 : (double) a.steps() / n;
        double wb = 1 - wa;
        return new DpoSteps.Result(wa * a.loss() + wb * b.loss(), wa * a.rewardAccuracy() + wb * b.rewardAccuracy(),
                wa * a.rewardMargin() + wb * b.rewardMargin(), wa * a.distance() + wb * b.distance(), n,
                a.skipped() + b.skipped(), a.pairsWithKnownReference() + b.pairsWithKnownReference());
    }

    /** A candidate's training figures, as published with its version. */
    Map<String, Double> figures(DpoSteps.Result result, int pairs, int replayPairs, boolean consolidated) {
        Map<String, Double> training = new java.util.LinkedHashMap<>();
        training.put("dpo_loss", result.loss());
        training.put("reward_accuracy", result.rewardAccuracy());
        training.put("reward_margin", result.rewardMargin());
        training.put("steps", (double) result.steps());
        training.put("steps_total", (double) steps);
        training.put("pairs", (double) pairs);
        training.put("replay_pairs", (double) replayPairs);
        training.put("consolidated", consolidated ? 1.0 : 0.0);
        training.put("skipped_steps", (double) result.skipped());
        training.put("pair_visits_with_reference_known", (double) result.pairsWithKnownReference());
        training.put("lora_rank", (double) (adapters != null ? settings.loraRank() : 0));
        training.put("learning_rate", (double) learningRate());
        return training;
    }

    /** The schedule's learning rate at the next step. */
    float learningRate() {
        return schedule.getNewValue((int) steps);
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
