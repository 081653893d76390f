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
        @Option(names = "--scenes", defaultValue = "2000") int scenes;
        @Option(names = "--steps", defaultValue = "600") int steps;
        @Option(names = "--batch", defaultValue = "32") int batch;
        @Option(names = "--seed", defaultValue = "1") long seed;
        @Option(names = "--out", defaultValue = "models/backbone.pmck") Path out;

        @Override
        public Integer call() throws Exception {
            BackboneTraining.run(ModelConfig.PROXY_V1, scenes, steps, batch, seed, out, System.out);
            return 0;
        }
    }

    abstract static class StageOptions {
        @Option(names = "--scenes", defaultValue = "4000", description = "Training scenes") int scenes;
        @Option(names = "--held-out", defaultValue = "64", description = "Held-out (seen-test) scenes") int heldOut;
        @Option(names = "--steps", defaultValue = "3000") int steps;
        @Option(names = "--batch", defaultValue = "8") int batch;
        @Option(names = "--lr", defaultValue = "3e-4") float lr;
        @Option(names = "--phys-dropout", defaultValue = "0.1", description = "Drop c_phys this often (for guidance)") float dropout;
        @Option(names = "--occupancy-weight", defaultValue = "1.0",
                description = "Weight of the physical head's occupancy target (v2 heads; 0 = flow loss only)") float occupancy;
        @Option(names = "--phys-modulation", defaultValue = "true", negatable = true, fallbackValue = "true",
                description = "c_phys modulates every DiT block (v2)") boolean modulation;
        @Option(names = "--uniform-times", defaultValue = "0.25",
                description = "Share of training times drawn uniformly (covers the sampler's last steps)") float uniformTimes;
        @Option(names = "--head-layers", defaultValue = "2",
                description = "Attention layers in the physical head (0 = the v1 head, no occupancy target)") int headLayers;
        @Option(names = "--seed", defaultValue = "1") long seed;
        @Option(names = "--checkpoint-every", defaultValue = "250") int every;
        @Option(names = "--resume", description = "Continue from --out if it exists") boolean resume;
    }

    @Command(name = "stage1", mixinStandardHelpOptions = true,
            description = "Stage I: flow-matching SFT of the DiT and the physical head, backbone frozen.")
    static final class Stage1 extends StageOptions implements Callable<Integer> {
        @Option(names = "--backbone", defaultValue = "models/backbone.pmck") Path backbone;
        @Option(names = "--out", defaultValue = "models/stage1.pmck") Path out;

        @Override
        public Integer call() throws Exception {
            Stage1Training.run(new Stage1Training.Settings(ModelConfig.PROXY.withPhysPath(modulation, headLayers),
                    backbone, scenes, heldOut, steps, batch, lr, dropout, occupancy, uniformTimes, seed, every, out, resume), System.out);
            return 0;
        }
    }

    @Command(name = "dit-only", mixinStandardHelpOptions = true,
            description = "Ablation baseline: the DiT with first-frame conditioning only, no PhysEncoder.")
    static final class DitOnly extends StageOptions implements Callable<Integer> {
        @Option(names = "--out", defaultValue = "models/dit-only.pmck") Path out;

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
        @Option(names = "--model", defaultValue = "models/stage1.pmck") Path model;
        @Option(names = "--scenes", defaultValue = "400") int scenes;
        @Option(names = "--samples", defaultValue = "4", description = "Videos per scene (best vs worst)") int samples;
        @Option(names = "--steps", defaultValue = "8", description = "Sampler steps") int steps;
        @Option(names = "--min-margin", defaultValue = "0.05", description = "Drop pairs whose judge scores are closer") double margin;
        @Option(names = "--out", defaultValue = "out/pairs") Path out;

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
        @Option(names = "--train", required = true, description = "lora, head or joint") String train;
        @Option(names = "--base", defaultValue = "models/stage1.pmck", description = "Model to start from (also the frozen reference)") Path base;
        @Option(names = "--pairs", defaultValue = "out/pairs") Path pairs;
        @Option(names = "--steps", defaultValue = "300") int steps;
        @Option(names = "--batch", defaultValue = "8") int batch;
        @Option(names = "--beta", defaultValue = "2000", description = "Errors are per-pixel means, so beta is large") float beta;
        @Option(names = "--lr", defaultValue = "3e-4") float lr;
        @Option(names = "--lora-rank", defaultValue = "8") int rank;
        @Option(names = "--seed", defaultValue = "1") long seed;
        @Option(names = "--out", required = true) Path out;

        @Override
        public Integer call() throws Exception {
            OfflineDpo.Train t;
            try {
                t = OfflineDpo.Train.valueOf(train.toUpperCase());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--train must be lora, head or joint, not " + train);
            }
            OfflineDpo.run(new OfflineDpo.Settings(t, base, pairs, steps, batch, beta, lr, rank, seed, out), System.out);
            return 0;
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new TrainCli()).execute(args));
    }
}
