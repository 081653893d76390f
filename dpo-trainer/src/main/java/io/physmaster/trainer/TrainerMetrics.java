package io.physmaster.trainer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.physmaster.dpo.DpoSteps;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The trainer's meters (Prometheus names): Flow-DPO updates ({@code physmaster_trainer_updates_total}, steps
 * applied; skipped ones apart), pair visits, batches trained, consolidation chunks, the replay buffer's size, the
 * last update's DPO loss and reward accuracy, gate decisions by outcome and their time, versions published.
 */
final class TrainerMetrics {

    static final String PASS = "pass";
    static final String FAIL = "fail";

    private final Counter updates;
    private final Counter skipped;
    private final Counter pairVisits;
    private final Counter batches;
    private final Counter chunks;
    private final Counter passed;
    private final Counter failed;
    private final Counter published;
    private final Timer gate;
    private volatile double lastLoss = Double.NaN;
    private volatile double lastAccuracy = Double.NaN;

    TrainerMetrics(MeterRegistry registry, Supplier<Number> replayPairs) {
        updates = Counter.builder("physmaster_trainer_updates").description("Flow-DPO optimizer steps applied")
                .register(registry);
        skipped = Counter.builder("physmaster_trainer_skipped_steps")
                .description("Flow-DPO steps skipped (gradient not finite)").register(registry);
        pairVisits = Counter.builder("physmaster_trainer_pair_visits")
                .description("Preference pairs visited by Flow-DPO steps (a pair counts once per step it is in)")
                .register(registry);
        batches = Counter.builder("physmaster_trainer_batches")
                .description("Preference batches (windows) trained into the policy").register(registry);
        chunks = Counter.builder("physmaster_trainer_consolidation_chunks")
                .description("Consolidation chunks over the replay buffer").register(registry);
        passed = gateDecisions(registry, PASS);
        failed = gateDecisions(registry, FAIL);
        published = Counter.builder("physmaster_trainer_versions_published")
                .description("Encoder versions published").register(registry);
        gate = Timer.builder("physmaster_trainer_gate").description("Scoring a candidate on the gate's scenes")
                .register(registry);
        Gauge.builder("physmaster_trainer_replay_pairs", replayPairs).description("Pairs in the replay buffer")
                .register(registry);
        Gauge.builder("physmaster_trainer_dpo_loss", this, m -> m.lastLoss)
                .description("Mean Flow-DPO loss of the last update (NaN before the first)").register(registry);
        Gauge.builder("physmaster_trainer_reward_accuracy", this, m -> m.lastAccuracy)
                .description("Reward accuracy of the last update (NaN before the first)").register(registry);
    }

    private static Counter gateDecisions(MeterRegistry registry, String outcome) {
        return Counter.builder("physmaster_trainer_gate_decisions").tag("outcome", outcome)
                .description("Candidates gated, by outcome").register(registry);
    }

    /**
     * One call of the learner: {@code steps} steps over {@code pairs} pairs in minibatches of PAIRS_PER_STEP, on a
     * new window's batch or a consolidation chunk.
     */
    void trained(DpoSteps.Result r, int steps, int pairs, boolean window) {
        (window ? batches : chunks).increment();
        updates.increment(r.steps());
        skipped.increment(r.skipped());
        pairVisits.increment((double) steps * Math.min(pairs, DpoTrainerSettings.PAIRS_PER_STEP));
        if (r.steps() > 0) {
            lastLoss = r.loss();
            lastAccuracy = r.rewardAccuracy();
        }
    }

    void gate(boolean pass, Duration took) {
        (pass ? passed : failed).increment();
        gate.record(took);
    }

    void published() {
        published.increment();
    }
}
