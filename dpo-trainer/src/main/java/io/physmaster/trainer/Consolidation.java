package io.physmaster.trainer;

import ai.djl.ndarray.NDManager;
import io.physmaster.dpo.DpoSteps;
import io.physmaster.role.Roles;
import io.physmaster.schemas.EncoderVersion;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Training between windows: the policy keeps learning over the whole replay buffer (fresh noise and times, the
 * learner's one optimizer state and learning-rate schedule), in chunks short enough that a batch that arrives
 * waits for one chunk at most. Every {@code consolidateSteps} steps the policy is a candidate: it is scored on the
 * gate a few scenes per chunk (the policy does not change meanwhile) and offered like a window's candidate; a
 * batch that arrives first abandons the scoring (its own candidate, which includes this progress, is gated).
 */
final class Consolidation {

    private static final Logger log = LoggerFactory.getLogger(Consolidation.class);
    /** Steps per chunk: short, so a window that closes waits little. */
    static final int CHUNK_STEPS = 2;
    /** Gate scenes scored per chunk. */
    static final int CHUNK_SCENES = 4;

    /** A candidate whose gate scoring is under way. */
    private record Pending(Gate.Scoring scoring, Map<String, Double> training, long t0) {
    }

    private final int everySteps;
    private final OnlineLearner learner;
    private final ReplayBuffer replay;
    private final PairLoader loader;
    private final Promotion promotion;
    private final TrainerMetrics metrics;
    private final NDManager manager;
    private final Random rnd = new Random(17);
    private int stepsSinceCandidate;
    private double seconds;
    private Pending pending;

    Consolidation(int everySteps, OnlineLearner learner, ReplayBuffer replay, PairLoader loader, Promotion promotion,
                  TrainerMetrics metrics, NDManager manager) {
        this.everySteps = everySteps;
        this.learner = learner;
        this.replay = replay;
        this.loader = loader;
        this.promotion = promotion;
        this.metrics = metrics;
        this.manager = manager;
    }

    /** Whether there is consolidation to do (it is on, and the buffer holds pairs). */
    boolean active() {
        return everySteps > 0 && replay.size() > 0;
    }

    /** A batch is about to change the policy: a candidate being scored would no longer be the policy. */
    void abandonCandidate() {
        pending = null;
    }

    /** One chunk: steps over the buffer, or a few scenes of the candidate's scoring (then its verdict). */
    void chunk(EncoderVersion current, Collection<String> applied) {
        try {
            if (pending != null) {
                if (pending.scoring().scoreSome(manager, CHUNK_SCENES)) {
                    Pending p = pending;
                    pending = null;
                    promotion.conclude(p.scoring().scores(), p.t0(), learner, current, "c" + learner.steps(),
                            new ArrayList<>(applied), p.training(), p.t0());
                }
                return;
            }
            List<DpoSteps.Pair> pairs = loader.replayVisit(replay.sample(CHUNK_STEPS
                    * DpoTrainerSettings.PAIRS_PER_STEP, rnd));
            if (pairs.isEmpty()) {
                Roles.pause(1000); // nothing readable right now (storage): do not spin
                return;
            }
            long t0 = System.nanoTime();
            DpoSteps.Result result = learner.train(pairs, CHUNK_STEPS, rnd.nextLong());
            metrics.trained(result, CHUNK_STEPS, pairs.size(), false);
            stepsSinceCandidate += result.steps();
            seconds += (System.nanoTime() - t0) / 1e9;
            if (stepsSinceCandidate >= everySteps) {
                Map<String, Double> training = learner.figures(result, 0, replay.size(), true);
                training.put("steps", (double) stepsSinceCandidate);
                training.put("seconds_dpo", seconds);
                stepsSinceCandidate = 0;
                seconds = 0;
                pending = new Pending(promotion.scoring(learner), training, System.nanoTime());
            }
        } catch (Exception e) {
            pending = null;
            log.warn("event=consolidation_failed reason=\"{}\"", e.toString());
            Roles.pause(1000);
        }
    }
}
