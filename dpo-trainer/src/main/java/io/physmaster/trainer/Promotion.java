package io.physmaster.trainer;

import ai.djl.ndarray.NDManager;
import io.physmaster.blob.BlobStore;
import io.physmaster.encoder.ServedEncoder;
import io.physmaster.schemas.EncoderVersion;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the policy becomes the next encoder version: the gate's verdict against the version in service and
 * the anchor, and on a pass the publication. Every model's gate scores are cached by version id (same scenes
 * and seeds every time, so they never change); the anchor is scored once.
 */
final class Promotion {

    private static final Logger log = LoggerFactory.getLogger(Promotion.class);

    private final DpoTrainerSettings settings;
    private final Gate gate;
    private final VersionPublisher publisher;
    private final BlobStore blobs;
    private final NDManager manager;
    private final TrainerMetrics metrics;
    private final Map<String, Gate.Scores> gateScores = new HashMap<>();
    private Gate.Scores anchor;
    private int published;

    Promotion(DpoTrainerSettings settings, VersionPublisher publisher, BlobStore blobs, NDManager manager,
              TrainerMetrics metrics) {
        this.settings = settings;
        this.gate = new Gate(settings.gateScenes(), settings.sampleSteps(), settings.gateTolerance());
        this.publisher = publisher;
        this.blobs = blobs;
        this.manager = manager;
        this.metrics = metrics;
    }

    /** Scores the anchor and the version in service ahead of the first candidate. */
    void warmUp(OnlineLearner learner, EncoderVersion current) throws IOException {
        anchor = gate.score(learner.reference(), manager);
        gateScores.put(settings.baseVersion(), anchor);
        scoresOf(current);
    }

    int published() {
        return published;
    }

    /** Gates the policy against the version in service and the anchor; publishes it when it passes. */
    Gate.Verdict offer(OnlineLearner learner, EncoderVersion current, String tag, List<String> batchIds,
                       Map<String, Double> training, long t0) throws Exception {
        long g0 = System.nanoTime();
        return conclude(gate.score(learner.policy(), manager), g0, learner, current, tag, batchIds, training, t0);
    }

    /** A scoring of the policy for {@link #conclude}, to be done a few scenes at a time (consolidation). */
    Gate.Scoring scoring(OnlineLearner learner) {
        return gate.scoring(learner.policy());
    }

    /**
     * The gate's verdict on the policy's {@code candidate} scores (scored from {@code g0} on, while the policy did
     * not change) against the version in service and the anchor; on a pass, the publication.
     */
    Gate.Verdict conclude(Gate.Scores candidate, long g0, OnlineLearner learner, EncoderVersion current, String tag,
                          List<String> batchIds, Map<String, Double> training, long t0) throws Exception {
        Gate.Verdict verdict = gate.decide(candidate, scoresOf(current), anchor);
        metrics.gate(verdict.pass(), Duration.ofNanos(System.nanoTime() - g0));
        training.put("seconds_gate", (System.nanoTime() - g0) / 1e9);
        training.put("seconds", (System.nanoTime() - t0) / 1e9);
        log.info("event=candidate tag={} pass={} {} steps_total={}", tag, verdict.pass(), verdict.reason(),
                learner.steps());
        if (!verdict.pass()) {
            return verdict;
        }
        EncoderVersion v = publisher.publish(current, tag, learner.checkpoints(Map.of("tag", tag), Map.of()),
                batchIds, training, evaluation(verdict));
        gateScores.put(v.getVersion(), candidate); // the candidate is in service now: its scores are known
        published++;
        metrics.published();
        log.info("event=encoder_published version={} parent={} {}", v.getVersion(), v.getParent(), verdict.reason());
        return verdict;
    }

    /** The gate's scores of a version: cached; computed on a scratch copy of the model when not known. */
    private Gate.Scores scoresOf(EncoderVersion v) throws IOException {
        String id = v == null ? settings.baseVersion() : v.getVersion();
        Gate.Scores s = gateScores.get(id);
        if (s == null) {
            try (NDManager m = manager.newSubManager()) {
                s = gate.score(ServedEncoder.load(settings.model(), v, settings.baseVersion(), blobs, m), m);
            }
            gateScores.put(id, s);
        }
        return s;
    }

    private static Map<String, Double> evaluation(Gate.Verdict v) {
        Map<String, Double> e = new LinkedHashMap<>();
        e.put("candidate_score", v.candidate().meanScore());
        e.put("change_vs_service", v.vsService().change());
        e.put("change_vs_service_low", v.vsService().low());
        e.put("change_vs_service_high", v.vsService().high());
        e.put("change_vs_anchor", v.vsAnchor().change());
        e.put("change_vs_anchor_low", v.vsAnchor().low());
        e.put("change_vs_anchor_high", v.vsAnchor().high());
        e.put("gate_scenes", (double) v.candidate().perScene().length);
        e.put("l2", v.candidate().mean().l2());
        e.put("cd", v.candidate().mean().cd());
        e.put("iou", v.candidate().mean().iou());
        return e;
    }
}
