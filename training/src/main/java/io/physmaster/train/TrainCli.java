package io.physmaster.train;

import io.physmaster.model.ModelRuntime;
import io.physmaster.model.ModelConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code physmaster train}: reproduces the shipped checkpoints.
 * <pre>
 *   train pretrain-backbone --out models/backbone.pmck
 *   train stage1 --backbone models/backbone.pmck --out models/stage1.pmck
 *   train dit-only --out models/dit-only.pmck
 * </pre>
 */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train the proxy-task models.",
        subcommands = {TrainCli.PretrainBackbone.class, TrainCli.Stage1.class, TrainCli.DitOnly.class, TrainCli.Pairs.class,
            TrainCli.Dpo.class})
public final class TrainCli {

    @Command(name = "pretrain-backbone", mixinStandardHelpOptions = true,
            description = "Pretrain the PhysEncoder backbone on dense first-frame labels.")
    static final class PretrainBackbone implements Callable<Integer> {
        @Option(names = "--scenes", defaultValue = "2000",
                description = "Training scenes rendered for it (default: ${DEFAULT-VALUE})")
        int scenes;
        @Option(names = "--steps", defaultValue = "600", description = "Training steps (default: ${DEFAULT-VALUE})")
        int steps;
        @Option(names = "--batch", defaultValue = "32",
                description = "First frames per step (default: ${DEFAULT-VALUE})")
        int batch;
        @Option(names = "--seed", defaultValue = "1",
                description = "Seed of the batch sampling (default: ${DEFAULT-VALUE})")
        long seed;
        @Option(names = "--out", defaultValue = "models/backbone.pmck", paramLabel = "FILE",
                description = "Checkpoint to write (default: ${DEFAULT-VALUE})")
        Path out;

        @Override
        public Integer call() throws Exception {
            BackboneTraining.run(ModelConfig.PROXY_V1, scenes, steps, batch, seed, out, System.out);
            return 0;
        }
    }

    abstract static class StageOptions {
        @Option(names = "--scenes", defaultValue = "4000", description = "Training scenes (default: ${DEFAULT-VALUE})")
        int scenes;
        @Option(names = "--held-out", defaultValue = "64",
                description = "Seen-test scenes for the held-out loss, every 250 steps (default: ${DEFAULT-VALUE})")
        int heldOut;
        @Option(names = "--steps", defaultValue = "3000", description = "Training steps (default: ${DEFAULT-VALUE})")
        int steps;
        @Option(names = "--batch", defaultValue = "8", description = "Clips per step (default: ${DEFAULT-VALUE})")
        int batch;
        @Option(names = "--lr", defaultValue = "3e-4", description = "Peak learning rate, after 50 warm-up steps; "
                + "cosine decay to a tenth (default: ${DEFAULT-VALUE})")
        float lr;
        @Option(names = "--phys-dropout", defaultValue = "0.1",
                description = "Drop c_phys this often, for guidance; ignored by dit-only (default: ${DEFAULT-VALUE})")
        float dropout;
        @Option(names = "--occupancy-weight", defaultValue = "1.0", description = "Weight of the v2 head's "
                + "occupancy target; 0 = flow loss only; ignored by dit-only (default: ${DEFAULT-VALUE})")
        float occupancy;
        @Option(names = "--phys-modulation", defaultValue = "true", negatable = true, fallbackValue = "true",
                description = "c_phys modulates every DiT block (v2); ignored by dit-only (default: ${DEFAULT-VALUE})")
        boolean modulation;
        @Option(names = "--uniform-times", defaultValue = "0.25", description = "Share of training times drawn "
                + "uniformly, to cover the sampler's last steps (default: ${DEFAULT-VALUE})")
        float uniformTimes;
        @Option(names = "--head-layers", defaultValue = "2", description = "Attention layers in the physical head; "
                + "0 = the v1 head, no occupancy target; ignored by dit-only (default: ${DEFAULT-VALUE})")
        int headLayers;
        @Option(names = "--phys-plan", defaultValue = "false", negatable = true, fallbackValue = "true",
                description = "Decode c_phys into an object plan added to the DiT's tokens, supervised by the "
                        + "occupancy target (model v3); ignored by dit-only (default: ${DEFAULT-VALUE})")
        boolean physPlan;
        @Option(names = "--seed", defaultValue = "1", description = "Seed of batches, noise and times "
                + "(default: ${DEFAULT-VALUE})")
        long seed;
        @Option(names = "--checkpoint-every", defaultValue = "250",
                description = "Save to --out every this many steps (default: ${DEFAULT-VALUE})")
        int every;
        @Option(names = "--resume", description = "Continue from --out if it exists") boolean resume;
    }

    @Command(name = "stage1", mixinStandardHelpOptions = true,
            description = "Stage I: flow-matching SFT of the DiT and the physical head, backbone frozen.")
    static final class Stage1 extends StageOptions implements Callable<Integer> {
        @Option(names = "--backbone", defaultValue = "models/backbone.pmck", paramLabel = "FILE",
                description = "Pretrained backbone checkpoint, kept frozen (default: ${DEFAULT-VALUE})")
        Path backbone;
        @Option(names = "--out", defaultValue = "models/stage1.pmck", paramLabel = "FILE",
                description = "Checkpoint to write (default: ${DEFAULT-VALUE})")
        Path out;

        @Override
        public Integer call() throws Exception {
            Stage1Training.run(new Stage1Training.Settings(ModelConfig.PROXY.withPhysPath(modulation, headLayers).withPhysPlan(physPlan),
                    backbone, scenes, heldOut, steps, batch, lr, dropout, occupancy, uniformTimes, seed, every, out, resume), System.out);
            return 0;
        }
    }

    @Command(name = "dit-only", mixinStandardHelpOptions = true,
            description = "Ablation baseline: the DiT with first-frame conditioning only, no PhysEncoder.")
    static final class DitOnly extends StageOptions implements Callable<Integer> {
        @Option(names = "--out", defaultValue = "models/dit-only.pmck", paramLabel = "FILE",
                description = "Checkpoint to write (default: ${DEFAULT-VALUE})")
        Path out;

        @Override
        public Integer call() throws Exception {
            Stage1Training.run(new Stage1Training.Settings(ModelConfig.PROXY.withoutPhysEncoder(), null, scenes, heldOut,
                    steps, batch, lr, 0f, 0f, uniformTimes, seed, every, out, resume), System.out);
            return 0;
        }
    }

    @Command(name = "pairs", mixinStandardHelpOptions = true,
            description = "Preference pairs for Stages II/III: K samples per training scene, judged by the physics judge.")
    static final class Pairs implements Callable<Integer> {
        @Option(names = "--model", defaultValue = "models/stage1.pmck", paramLabel = "FILE",
                description = "Checkpoint that samples the videos (default: ${DEFAULT-VALUE})")
        Path model;
        @Option(names = "--scenes", defaultValue = "400", description = "Training scenes (default: ${DEFAULT-VALUE})")
        int scenes;
        @Option(names = "--samples", defaultValue = "4",
                description = "Videos per scene; the judge's widest gap whose winner is no more broken makes the pair (default: ${DEFAULT-VALUE})")
        int samples;
        @Option(names = "--steps", defaultValue = "8", description = "Euler sampler steps (default: ${DEFAULT-VALUE})")
        int steps;
        @Option(names = "--min-margin", defaultValue = "0.05",
                description = "Drop pairs whose judge scores are closer (default: ${DEFAULT-VALUE})")
        double margin;
        @Option(names = "--out", defaultValue = "out/pairs", paramLabel = "DIR",
                description = "Directory for pairs.json and the videos (default: ${DEFAULT-VALUE})")
        Path out;

        @Override
        public Integer call() throws Exception {
            ModelRuntime.setUp();
            try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
                var manifest = io.physmaster.train.PreferencePairs.generate(model,
                        io.physmaster.model.Models.load(model, m), scenes, samples, steps, margin, out, m, System.out);
                System.out.printf("%d pairs from %d scenes -> %s%n", manifest.pairs().size(), scenes, out);
            }
            return 0;
        }
    }

    @Command(name = "dpo", mixinStandardHelpOptions = true,
            description = "Flow-DPO on a pair set: --train lora (Stage II), head (Stage III) or joint.")
    static final class Dpo implements Callable<Integer> {
        @Option(names = "--train", required = true, paramLabel = "WHAT", description = "What to train: lora (DiT "
                + "LoRA adapters, Stage II), head (physical head, Stage III) or joint (both)")
        String train;
        @Option(names = "--base", defaultValue = "models/stage1.pmck", paramLabel = "FILE",
                description = "Model to start from, also the frozen reference (default: ${DEFAULT-VALUE})")
        Path base;
        @Option(names = "--pairs", defaultValue = "out/pairs", paramLabel = "DIR",
                description = "Pair set written by `train pairs` (default: ${DEFAULT-VALUE})")
        Path pairs;
        @Option(names = "--steps", defaultValue = "300", description = "Training steps (default: ${DEFAULT-VALUE})")
        int steps;
        @Option(names = "--batch", defaultValue = "8", description = "Pairs per step (default: ${DEFAULT-VALUE})")
        int batch;
        @Option(names = "--beta", defaultValue = "2000", description = "Flow-DPO beta; errors are per-pixel means, "
                + "so it is large (default: ${DEFAULT-VALUE})")
        float beta;
        @Option(names = "--lr", defaultValue = "3e-4",
                description = "Adam learning rate, fixed (default: ${DEFAULT-VALUE})")
        float lr;
        @Option(names = "--lora-rank", defaultValue = "8",
                description = "Rank of the LoRA adapters, for lora and joint (default: ${DEFAULT-VALUE})")
        int rank;
        @Option(names = "--seed", defaultValue = "1", description = "Seed of pair order, noise and times "
                + "(default: ${DEFAULT-VALUE})")
        long seed;
        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Checkpoint to write, adapters "
                + "merged; lora and joint also write <out>-lora.pmck with the adapters alone")
        Path out;
        @Option(names = "--anchor-weight", defaultValue = "0", description = "Weight of the Stage I flow loss on "
                + "simulator clips added to every step (L = L_DPO + w * L_flow); 0 = plain Flow-DPO "
                + "(default: ${DEFAULT-VALUE})")
        float anchorWeight;
        @Option(names = "--anchor-scenes", defaultValue = "1000", description = "Training-split clips rendered for "
                + "the anchor (default: ${DEFAULT-VALUE})")
        int anchorScenes;
        @Option(names = "--anchor-batch", defaultValue = "4", description = "Anchor clips per step "
                + "(default: ${DEFAULT-VALUE})")
        int anchorBatch;

        @Override
        public Integer call() throws Exception {
            if (anchorWeight < 0 || !Float.isFinite(anchorWeight)) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--anchor-weight must be >= 0, not " + anchorWeight);
            }
            OfflineDpo.Train t;
            try {
                t = OfflineDpo.Train.valueOf(train.toUpperCase());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--train must be lora, head or joint, not " + train);
            }
            OfflineDpo.run(new OfflineDpo.Settings(t, base, pairs, steps, batch, beta, lr, rank, seed, out, anchorWeight,
                    anchorScenes, anchorBatch), System.out);
            return 0;
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new TrainCli()).execute(args));
    }
}
