package io.physmaster.trainer;

import io.physmaster.role.ConnectionSettings;
import java.nio.file.Path;
import java.util.Map;

/**
 * The online DPO trainer's settings.
 *
 * @param connection   Kafka, registry and blob store (where checkpoints go)
 * @param model        the Stage I checkpoint (DiT + PhysEncoder): the reference the first candidate starts from
 * @param baseVersion  version id of the head inside that checkpoint
 * @param stepsPerBatch Flow-DPO steps on the physical head per preference batch; 0 ("auto", the default) makes
 *                     one pass over the batch: ceil(pairs / PAIRS_PER_STEP) steps
 * @param beta         Flow-DPO beta (errors are per-pixel means, so differences are small: beta is large)
 * @param learningRate Adam learning rate for the head
 * @param gateScenes   held-out seen-test scenes the gate compares candidate and current on
 * @param gateTolerance the candidate passes if its judge score is at most current * (1 + tolerance)
 * @param sampleSteps  Euler steps of the gate's videos
 * @param referenceVideos recent generated videos whose reference errors the trainer computes while it waits for a
 *                     batch (0: none; every step then runs the reference too)
 */
public record DpoTrainerSettings(ConnectionSettings connection, Path model,
                                 String baseVersion, int stepsPerBatch, float beta, float learningRate,
                                 int gateScenes, double gateTolerance, int sampleSteps, int referenceVideos) {

    public static DpoTrainerSettings fromEnv(Map<String, String> env) {
        return new DpoTrainerSettings(
                ConnectionSettings.fromEnv(env),
                Path.of(env.getOrDefault("PHYSMASTER_MODEL", "models/stage1.pmck")),
                env.getOrDefault("PHYSMASTER_BASE_ENCODER_VERSION", "stage1"),
                parseSteps(env.getOrDefault("PHYSMASTER_DPO_STEPS", "auto")),
                Float.parseFloat(env.getOrDefault("PHYSMASTER_DPO_BETA", "2000")),
                Float.parseFloat(env.getOrDefault("PHYSMASTER_DPO_LR", "3e-4")),
                Integer.parseInt(env.getOrDefault("PHYSMASTER_GATE_SCENES", "8")),
                Double.parseDouble(env.getOrDefault("PHYSMASTER_GATE_TOLERANCE", "0.02")),
                8,
                Integer.parseInt(env.getOrDefault("PHYSMASTER_DPO_REFERENCE_VIDEOS", "" + DEFAULT_REFERENCE_VIDEOS)));
    }

    /** Recent videos with reference errors kept: about 8 minutes of one worker's output at 1 request/s. */
    public static final int DEFAULT_REFERENCE_VIDEOS = 1024;

    /** Preference pairs in one Flow-DPO step. */
    public static final int PAIRS_PER_STEP = 8;

    /** Steps for a batch of {@code pairs}: the configured number, or one pass over the batch. */
    public int steps(int pairs) {
        return stepsPerBatch > 0 ? stepsPerBatch : Math.max(1, (pairs + PAIRS_PER_STEP - 1) / PAIRS_PER_STEP);
    }

    /** The defaults for everything but where the system is. */
    public static DpoTrainerSettings defaults(ConnectionSettings connection) {
        return fromEnv(Map.of()).with(connection);
    }

    public DpoTrainerSettings with(ConnectionSettings c) {
        return new DpoTrainerSettings(c, model, baseVersion, stepsPerBatch, beta, learningRate, gateScenes,
                gateTolerance, sampleSteps, referenceVideos);
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
