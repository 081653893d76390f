package io.physmaster.trainer;

import io.physmaster.role.ConnectionSettings;
import java.nio.file.Path;
import java.util.Map;

/**
 * The online DPO trainer's settings (environment variables in brackets).
 *
 * @param connection      Kafka, registry and blob store (where checkpoints go)
 * @param model           the Stage I checkpoint: the anchor (the fixed Flow-DPO reference) and where the policy
 *                        starts [PHYSMASTER_MODEL]
 * @param baseVersion     version id of the head inside that checkpoint [PHYSMASTER_BASE_ENCODER_VERSION]
 * @param stepsPerBatch   Flow-DPO steps on a new window's pairs; 0 ("auto", the default) makes one pass over them
 *                        [PHYSMASTER_DPO_STEPS]
 * @param beta            Flow-DPO beta (errors are per-pixel means, so differences are small: beta is large)
 *                        [PHYSMASTER_DPO_BETA]
 * @param learningRate    Adam's peak learning rate; a cosine schedule takes it to a tenth over {@code lrHorizon}
 *                        steps [PHYSMASTER_DPO_LR]
 * @param loraRank        rank of the DiT LoRA adapters trained with the head; 0 trains the head only
 *                        [PHYSMASTER_DPO_LORA_RANK]
 * @param lrHorizon       optimizer steps of the learning-rate schedule [PHYSMASTER_DPO_LR_HORIZON]
 * @param replayCapacity  most pairs kept for replay [PHYSMASTER_DPO_REPLAY]
 * @param consolidateSteps steps of background training over the replay buffer between two gated candidates;
 *                        0 turns consolidation off [PHYSMASTER_DPO_CONSOLIDATE_STEPS]
 * @param gateScenes      held-out scenes of the gate [PHYSMASTER_GATE_SCENES]
 * @param gateTolerance   relative judge-score change a candidate may show against the version in service and the
 *                        anchor and still pass; 0 (the default) asks for a lower mean than in service and nothing
 *                        worse beyond noise (see {@link Gate}) [PHYSMASTER_GATE_TOLERANCE]
 * @param sampleSteps     Euler steps of the gate's videos
 * @param referenceVideos recent generated videos whose reference errors are computed while idle (0: none)
 *                        [PHYSMASTER_DPO_REFERENCE_VIDEOS]
 */
public record DpoTrainerSettings(ConnectionSettings connection, Path model, String baseVersion, int stepsPerBatch,
                                 float beta, float learningRate, int loraRank, int lrHorizon, int replayCapacity,
                                 int consolidateSteps, int gateScenes, double gateTolerance, int sampleSteps,
                                 int referenceVideos) {

    /** Recent videos with reference errors kept: about 8 minutes of one worker's output at 1 request/s. */
    public static final int DEFAULT_REFERENCE_VIDEOS = 1024;

    /** Preference pairs in one Flow-DPO step. */
    public static final int PAIRS_PER_STEP = 8;

    public DpoTrainerSettings {
        if (loraRank < 0 || lrHorizon < 1 || replayCapacity < 1 || consolidateSteps < 0 || gateScenes < 2) {
            throw new IllegalArgumentException("trainer settings out of range: lora rank " + loraRank
                    + ", lr horizon " + lrHorizon + ", replay " + replayCapacity + ", consolidate steps "
                    + consolidateSteps + ", gate scenes " + gateScenes);
        }
    }

    public static DpoTrainerSettings fromEnv(Map<String, String> env) {
        return new DpoTrainerSettings(
                ConnectionSettings.fromEnv(env),
                Path.of(env.getOrDefault("PHYSMASTER_MODEL", "models/stage1.pmck")),
                env.getOrDefault("PHYSMASTER_BASE_ENCODER_VERSION", "stage1"),
                parseSteps(env.getOrDefault("PHYSMASTER_DPO_STEPS", "auto")),
                Float.parseFloat(env.getOrDefault("PHYSMASTER_DPO_BETA", "2000")),
                Float.parseFloat(env.getOrDefault("PHYSMASTER_DPO_LR", "3e-4")),
                Integer.parseInt(env.getOrDefault("PHYSMASTER_DPO_LORA_RANK", "8")),
                Integer.parseInt(env.getOrDefault("PHYSMASTER_DPO_LR_HORIZON", "2000")),
                Integer.parseInt(env.getOrDefault("PHYSMASTER_DPO_REPLAY", "4096")),
                Integer.parseInt(env.getOrDefault("PHYSMASTER_DPO_CONSOLIDATE_STEPS", "32")),
                Integer.parseInt(env.getOrDefault("PHYSMASTER_GATE_SCENES", "24")),
                Double.parseDouble(env.getOrDefault("PHYSMASTER_GATE_TOLERANCE", "0")),
                8,
                Integer.parseInt(env.getOrDefault("PHYSMASTER_DPO_REFERENCE_VIDEOS", "" + DEFAULT_REFERENCE_VIDEOS)));
    }

    /** The defaults for everything but where the system is. */
    public static DpoTrainerSettings defaults(ConnectionSettings connection) {
        return fromEnv(Map.of()).with(connection);
    }

    public DpoTrainerSettings with(ConnectionSettings c) {
        return new DpoTrainerSettings(c, model, baseVersion, stepsPerBatch, beta, learningRate, loraRank, lrHorizon,
                replayCapacity, consolidateSteps, gateScenes, gateTolerance, sampleSteps, referenceVideos);
    }

    /** Steps for a window of {@code pairs}: the configured number, or one pass over them. */
    public int steps(int pairs) {
        return stepsPerBatch > 0 ? stepsPerBatch : Math.max(1, (pairs + PAIRS_PER_STEP - 1) / PAIRS_PER_STEP);
    }

    static int parseSteps(String value) {
        if (value.equals("auto")) {
            return 0;
        }
        int steps = Integer.parseInt(value);
        if (steps < 0) {
            throw new IllegalArgumentException("PHYSMASTER_DPO_STEPS must be 'auto' or a positive number, got " + value);
        }
        return steps;
    }
}
