package io.physmaster.train;

import io.physmaster.model.ModelRuntime;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.physmaster.dpo.DpoSteps;
import io.physmaster.dpo.HeadDpo;
import io.physmaster.train.PreferencePairs;
import io.physmaster.model.Checkpoint;
import io.physmaster.model.LoraAdapters;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stages II and III and their ablations, offline, on a saved preference set (Flow-DPO, io.physmaster.dpo.FlowDpo):
 * <pre>
 *   lora     DPO on rank-r LoRA adapters of the DiT, PhysEncoder frozen   (stage2 from stage1; dit-only+dpo-dit)
 *   head     DPO on the physical head only, DiT (and merged LoRA) frozen   (stage3 from stage2; stage1+dpo-encoder)
 *   joint    LoRA adapters and the physical head together                   (joint-dpo from stage1)
 * </pre>
 * The reference is the base model, frozen. The result is saved as a plain model checkpoint (adapters merged), so
 * workers and the evaluation load it like Stage I; LoRA runs also save the adapters alone ({@code <out>-lora.pmck}).
 */
public final class OfflineDpo {

    /** Which parameters a run trains. */
    public enum Train { LORA, HEAD, JOINT }

    public record Settings(Train train, Path base, Path pairs, int steps, int batch, float beta, float learningRate,
                           int loraRank, long seed, Path out, float anchorWeight, int anchorScenes, int anchorBatch) {

        public Settings(Train train, Path base, Path pairs, int steps, int batch, float beta, float learningRate,
                        int loraRank, long seed, Path out) {
            this(train, base, pairs, steps, batch, beta, learningRate, loraRank, seed, out, 0f, 0, 0);
        }
    }

    public static Map<String, Double> run(Settings s, PrintStream log) throws IOException {
        ModelRuntime.setUp();
        List<DpoSteps.Pair> pairs = PreferencePairs.load(s.pairs());
        log.printf("DPO (%s) from %s on %d pairs of %s: %d steps of %d, beta %.0f, lr %.1e%n", s.train(), s.base(),
                pairs.size(), s.pairs(), s.steps(), s.batch(), s.beta(), s.learningRate());
        try (NDManager manager = NDManager.newBaseManager()) {
            PhysMasterModel reference = Models.load(s.base(), manager);
            PhysMasterModel policy = Models.load(s.base(), manager);
            if (s.train() != Train.LORA && !policy.config().usesPhysEncoder()) {
                throw new IllegalArgumentException(s.base() + " has no PhysEncoder: only --train lora applies to it");
            }
            LoraAdapters lora = null;
            List<Parameter> trainable = new ArrayList<>();
            if (s.train() != Train.HEAD) {
                lora = LoraAdapters.attach(policy, s.loraRank(), s.loraRank(), manager);
                trainable.addAll(lora.parameters());
            }
            if (s.train() != Train.LORA) {
                trainable.addAll(HeadDpo.parameters(policy));
            }
            TrainingProgress progress = new TrainingProgress("dpo-" + s.train().name().toLowerCase(), 0, s.steps(),
                    log);
            long t0 = System.nanoTime();
            TruthAnchor anchor = null;
            if (s.anchorWeight() > 0) {
                anchor = TruthAnchor.render(s.anchorScenes(), s.anchorBatch(), s.seed());
                log.printf("anchor: Stage I flow loss on %d of %d training-split clips per step, weight %.0f%n",
                        s.anchorBatch(), s.anchorScenes(), s.anchorWeight());
            }
            DpoSteps.Result r = DpoSteps.train(policy, reference, trainable, pairs, new DpoSteps.Config(s.steps(),
                    s.batch(), s.beta(), s.learningRate(), s.seed(), anchor, s.anchorWeight()), manager, f -> {
                        progress.update(f.step(), f.loss());
                        if (f.step() % 10 == 0 || f.step() == s.steps()) {
                            progress.print(f.step(), String.format("  reward acc %.2f  margin %.3f  distance %.2e%s",
                                    f.rewardAccuracy(), f.rewardMargin(), f.distance(), s.anchorWeight() > 0
                                            ? String.format("  anchor %.4f", f.anchorLoss()) : ""));
                        }
                    });
            progress.done(String.format("  reward acc %.2f", r.rewardAccuracy()));
            Map<String, Double> figures = new LinkedHashMap<>();
            figures.put("dpo_loss", r.loss());
            figures.put("reward_accuracy", r.rewardAccuracy());
            figures.put("reward_margin", r.rewardMargin());
            figures.put("reference_distance", r.distance());
            figures.put("skipped_steps", (double) r.skipped());
            figures.put("pairs", (double) pairs.size());
            figures.put("seconds", (System.nanoTime() - t0) / 1e9);
            Map<String, Object> seeds = Map.of("seed", s.seed(), "base", s.base().toString(), "pairs",
                    s.pairs().toString(), "train", s.train().name().toLowerCase(), "beta", s.beta(), "lr",
                    s.learningRate(), "lora_rank", s.loraRank(), "anchor_weight", s.anchorWeight(),
                    "anchor_scenes", s.anchorScenes());
            if (lora != null) {
                Path adapters = Path.of(s.out().toString().replaceFirst("\\.pmck$", "") + "-lora.pmck");
                Checkpoint.save(adapters, "lora", policy.config(), lora, s.steps(), seeds, figures);
                lora.merge();
                log.printf("saved %s%n", adapters);
            }
            Checkpoint.save(s.out(), "model", policy.config(), Models.plainCopy(policy, manager), s.steps(), seeds,
                    figures);
            log.printf("saved %s  %s%n", s.out(), figures);
            return figures;
        }
    }

    private OfflineDpo() {
    }
}
