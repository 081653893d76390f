package io.physmaster.train;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.physmaster.console.Progress;
import io.physmaster.dpo.DpoSteps;
import io.physmaster.model.Checkpoint;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.sample.EulerSampler;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Split;
import io.physmaster.sim.io.ClipFile;
import io.physmaster.sim.judge.PhysicsJudge;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The offline preference set for Stages II and III: for each training scene, K videos from the model with
 * different seeds, scored by the physics judge against the simulator; the best and the worst become a pair
 * unless their scores are closer than the minimum margin. Saved as {@code pairs.json} (scenes, seeds, scores:
 * enough to regenerate everything from the model) plus the two videos of each pair as .pmv files.
 */
public final class PreferencePairs {

    /** Training scenes for preferences start here, past the scenes Stage I was trained on. */
    static final int FIRST_SCENE = 10_000;

    /** One pair: scene index in the training split, the seeds of the two videos and their judge scores. */
    public record Entry(int scene, long preferredSeed, long rejectedSeed, double preferredScore,
                        double rejectedScore) {
    }

    /** pairs.json. */
    public record Manifest(String model, String modelSha256, int samplesPerScene, int steps, double minMargin,
                           int scenesTried, List<Entry> pairs) {
    }

    public static Manifest generate(Path model, PhysMasterModel net, int scenes, int samples, int steps,
                                    double minMargin, Path dir, NDManager manager, PrintStream log) throws IOException {
        Files.createDirectories(dir.resolve("videos"));
        EulerSampler sampler = new EulerSampler(net, manager);
        PhysicsJudge judge = new PhysicsJudge(minMargin);
        List<Entry> entries = new ArrayList<>();
        Progress progress = Progress.builder("pairs").total(scenes).out(log).build();
        int perBatch = Math.max(1, 16 / samples); // scenes per sampling batch: about 16 videos at once
        for (int from = 0; from < scenes; from += perBatch) {
            int n = Math.min(perBatch, scenes - from);
            List<RenderedClip> truths = new ArrayList<>();
            float[][] firsts = new float[n * samples][];
            long[] seeds = new long[n * samples];
            for (int i = 0; i < n; i++) {
                RenderedClip truth = ProxyTask.render(ProxyTask.scene(Split.TRAIN, FIRST_SCENE + from + i), ClipSpec.MODEL);
                truths.add(truth);
                for (int k = 0; k < samples; k++) {
                    firsts[i * samples + k] = truth.frame(0);
                    seeds[i * samples + k] = 1 + k;
                }
            }
            float[][] videos = sampler.sample(firsts, seeds, steps, 1f, null);
            for (int i = 0; i < n; i++) {
                List<float[]> candidates = new ArrayList<>();
                for (int k = 0; k < samples; k++) {
                    candidates.add(videos[i * samples + k]);
                }
                Optional<PhysicsJudge.Verdict> v = judge.judge(truths.get(i), candidates);
                if (v.isEmpty()) {
                    continue;
                }
                int scene = FIRST_SCENE + from + i;
                PhysicsJudge.Verdict verdict = v.get();
                for (int k : new int[] {verdict.preferred(), verdict.rejected()}) {
                    Files.write(videoFile(dir, scene, seeds[i * samples + k]), ClipFile.encode(new ClipFile.Contents(
                            "train:" + scene, truths.get(i).frames(), truths.get(i).height(), truths.get(i).width(),
                            10, candidates.get(k), null, null)));
                }
                entries.add(new Entry(scene, seeds[i * samples + verdict.preferred()],
                        seeds[i * samples + verdict.rejected()], verdict.scores()[verdict.preferred()],
                        verdict.scores()[verdict.rejected()]));
            }
            progress.update(from + n, "scenes, " + entries.size() + " pairs kept");
        }
        progress.done(entries.size() + " pairs kept");
        Manifest manifest = new Manifest(model.toString(), Checkpoint.sha256(Files.readAllBytes(model)), samples, steps,
                minMargin, scenes, entries);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("pairs.json").toFile(),
                manifest);
        return manifest;
    }

    public static Manifest manifest(Path dir) throws IOException {
        Path file = dir.resolve("pairs.json");
        if (!Files.isRegularFile(file)) {
            throw new IOException("no pair set at " + dir + " (make one with ./physmaster train pairs)");
        }
        return new ObjectMapper().readValue(file.toFile(), Manifest.class);
    }

    /** The pairs as pixels for DpoSteps. */
    public static List<DpoSteps.Pair> load(Path dir) throws IOException {
        List<DpoSteps.Pair> out = new ArrayList<>();
        for (Entry e : manifest(dir).pairs()) {
            float[] w = ClipFile.decode(Files.readAllBytes(videoFile(dir, e.scene(), e.preferredSeed()))).video();
            float[] l = ClipFile.decode(Files.readAllBytes(videoFile(dir, e.scene(), e.rejectedSeed()))).video();
            RenderedClip truth = ProxyTask.render(ProxyTask.scene(Split.TRAIN, e.scene()), ClipSpec.MODEL);
            out.add(new DpoSteps.Pair(truth.frame(0), w, l));
        }
        return out;
    }

    static Path videoFile(Path dir, int scene, long seed) {
        return dir.resolve("videos").resolve(scene + "-" + seed + ".pmv");
    }

    private PreferencePairs() {
    }
}
