package io.physmaster.train;

import io.physmaster.model.ModelRuntime;
import ai.djl.ndarray.NDManager;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.sample.EulerSampler;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Split;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code physmaster eval}: Table 1 for the static baseline, the DiT-only baseline and Stage I. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate checkpoints on seen and unseen test scenes: L2, CD, IoU (dropping and all objects).")
public final class EvalCli implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "VARIANT=FILE", description = "A row's name and checkpoint, repeatable "
            + "(default: dit-only=models/dit-only.pmck and stage1=models/stage1.pmck); a static row is always added")
    Map<String, Path> models = new LinkedHashMap<>(Map.of());
    @Option(names = "--scenes", defaultValue = "64", description = "Scenes per test split (default: ${DEFAULT-VALUE})")
    int scenes;
    @Option(names = "--steps", defaultValue = "8", description = "Euler sampler steps (default: ${DEFAULT-VALUE})")
    int steps;
    @Option(names = "--guidance", defaultValue = "1.0", description = "Classifier-free guidance scale on the physical "
            + "representation; 1.0 = no guidance (default: ${DEFAULT-VALUE})")
    float guidance;
    @Option(names = "--seed", defaultValue = "1000",
            description = "Base seed; scene i is sampled with seed + i (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--batch", defaultValue = "16", description = "Videos sampled at once (default: ${DEFAULT-VALUE})")
    int batch;
    @Option(names = "--out", defaultValue = "docs/results/stage1", paramLabel = "PREFIX",
            description = "Writes <out>.md, <out>.json, <out>-<split>.png (default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--title", defaultValue = "Stage I evaluation (Table 1 rows)",
            description = "Title of the report (default: ${DEFAULT-VALUE})")
    String title;

    @Override
    public Integer call() throws Exception {
        if (models.isEmpty()) {
            models.put("dit-only", Path.of("models/dit-only.pmck"));
            models.put("stage1", Path.of("models/stage1.pmck"));
        }
        ModelRuntime.setUp();
        Map<String, List<RenderedClip>> clips = new LinkedHashMap<>();
        clips.put("seen", Evaluation.clips(Split.SEEN_TEST, scenes));
        clips.put("unseen", Evaluation.clips(Split.UNSEEN_TEST, scenes));
        List<Evaluation.Row> rows = new ArrayList<>();
        Map<String, Map<String, List<float[]>>> videos = new LinkedHashMap<>(); // split -> variant -> videos
        clips.keySet().forEach(k -> videos.put(k, new LinkedHashMap<>()));

        Map<String, List<float[]>> staticVideos = new LinkedHashMap<>();
        for (var e : clips.entrySet()) {
            staticVideos.put(e.getKey(), Evaluation.generate(Evaluation.staticBaseline(16), e.getValue(), batch, seed));
            videos.get(e.getKey()).put("static", staticVideos.get(e.getKey()));
        }
        rows.addAll(Evaluation.rows("static", clips, staticVideos));
        try (NDManager manager = NDManager.newBaseManager()) {
            for (var m : models.entrySet()) {
                PhysMasterModel net = Models.load(m.getValue(), manager);
                EulerSampler sampler = new EulerSampler(net, manager);
                Evaluation.Generator g = (firsts, seeds) -> sampler.sample(firsts, seeds, steps, guidance, null);
                Map<String, List<float[]>> generated = new LinkedHashMap<>();
                long t0 = System.nanoTime();
                for (var e : clips.entrySet()) {
                    generated.put(e.getKey(), Evaluation.generate(g, e.getValue(), batch, seed));
                    videos.get(e.getKey()).put(m.getKey(), generated.get(e.getKey()));
                }
                System.out.printf("%s: generated %d videos in %.1f s%n", m.getKey(), 2 * scenes,
                        (System.nanoTime() - t0) / 1e9);
                rows.addAll(Evaluation.rows(m.getKey(), clips, generated));
            }
        }
        Path json = Path.of(out + ".json");
        Path md = Path.of(out + ".md");
        String notes = String.format("Proxy task, %d seen-test and %d unseen-test scenes, one sample each (seed %d+i), "
                + "%d Euler steps, guidance %.1f. L2 and CD lower is better, IoU higher. Frame 0 (given) excluded. "
                + "Reproduce: `./physmaster eval%s --scenes %d --steps %d --out %s`.", scenes, scenes, seed, steps,
                guidance, modelArgs(), scenes, steps, out);
        Evaluation.write(rows, json, md, title, notes);
        for (var e : clips.entrySet()) {
            Path png = Path.of(out + "-" + e.getKey() + ".png");
            Evaluation.contactSheet(e.getValue(), videos.get(e.getKey()), 4, png);
            System.out.println("contact sheet: " + png);
        }
        System.out.print(Files.readString(md));
        return 0;
    }

    private String modelArgs() {
        StringBuilder b = new StringBuilder();
        models.forEach((k, v) -> b.append(" --model ").append(k).append('=').append(v));
        return b.toString();
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new EvalCli()).execute(args));
    }
}
