package io.physmaster.train;

import ai.djl.ndarray.NDManager;
import io.physmaster.console.Progress;
import io.physmaster.model.Checkpoint;
import io.physmaster.model.ModelRuntime;
import io.physmaster.model.Models;
import io.physmaster.model.PhysMasterModel;
import io.physmaster.sample.EulerSampler;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Split;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code physmaster eval}: Table 1 (static baseline, the given checkpoints) with permanence, gravity and intervals. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {
            "Evaluate checkpoints on seen and unseen test scenes, one sample per scene with the same seeds for every "
                + "variant. Per variant and split (and their average): L2, CD, IoU on the dropping objects and on all "
                + "objects; for the dropping objects also the share of frames in one piece, the median area change, "
                + "ghost residue at the start position, colour shift, and the share of falls (>= 5 free-fall frames) "
                + "whose fitted acceleration is within 10 %% of the simulator's. Each figure has a 95 %% bootstrap "
                + "interval over scenes; each variant has its paired change against the reference with a 95 %% "
                + "interval, called better or worse only when the interval excludes zero. A static baseline (the "
                + "first frame repeated) is always included.",
            "",
            "--zero-phys samples a variant with c_phys zeroed: the input the guidance's unconditional pass sees. "
                + "Load the same checkpoint twice to measure how much the DiT uses its PhysEncoder:",
            "  ./physmaster eval --model stage1=models/stage1.pmck --model stage1-zero=models/stage1.pmck "
                + "--zero-phys stage1-zero --out out/eval/zero-phys",
            "The stage1-zero row against stage1 then says by how much zeroing c_phys changes L2 (relative, with its "
                + "paired interval)."})
public final class EvalCli implements Callable<Integer> {

    @Spec
    CommandSpec spec;
    @Option(names = "--model", paramLabel = "VARIANT=FILE", description = "A row's name and checkpoint, repeatable, in table order "
            + "(default: dit-only=models/dit-only.pmck and stage1=models/stage1.pmck); a static row is always added")
    Map<String, Path> models = new LinkedHashMap<>(Map.of());
    @Option(names = "--zero-phys", paramLabel = "VARIANT",
            description = "Sample this --model variant with c_phys = 0 (it needs a PhysEncoder); repeatable")
    List<String> zeroPhys = new ArrayList<>();
    @Option(names = "--reference", paramLabel = "VARIANT",
            description = "The variant every other is compared with: a --model or static (default: the first --model)")
    String reference;
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
            description = "Writes <out>.md, <out>.json, the figure <out>-plot.png and the contact sheets "
                    + "<out>-<split>.png (default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--replot", paramLabel = "JSON", description = "Only redraw the figure of an earlier run from its "
            + "<out>.json into <out>-plot.png (no models), e.g. --replot docs/results/zero-phys.json")
    Path replot;
    @Option(names = "--title", defaultValue = "Stage I evaluation (Table 1 rows)",
            description = "Title of the report (default: ${DEFAULT-VALUE})")
    String title;

    @Override
    public Integer call() throws Exception {
        if (replot != null) {
            try {
                System.out.println("figure: " + EvalPlot.replot(replot));
                return 0;
            } catch (IOException | IllegalArgumentException e) {
                System.err.println("eval --replot " + replot + ": " + e.getMessage());
                return 2;
            }
        }
        if (models.isEmpty()) {
            models.put("dit-only", Path.of("models/dit-only.pmck"));
            models.put("stage1", Path.of("models/stage1.pmck"));
        }
        for (String z : zeroPhys) {
            if (!models.containsKey(z)) {
                throw new ParameterException(spec.commandLine(), "--zero-phys " + z + ": no --model of that name");
            }
            Path file = models.get(z);
            if (Files.isRegularFile(file)
                    && !Checkpoint.readHeader(Files.readAllBytes(file)).config().usesPhysEncoder()) {
                throw new ParameterException(spec.commandLine(), "--zero-phys " + z + ": " + file
                        + " has no PhysEncoder, so there is no c_phys to zero");
            }
        }
        String ref = reference != null ? reference : models.keySet().iterator().next();
        if (!models.containsKey(ref) && !ref.equals("static")) {
            throw new ParameterException(spec.commandLine(), "--reference " + ref + ": no --model of that name");
        }
        if (scenes < 1 || steps < 1 || batch < 1) {
            throw new ParameterException(spec.commandLine(), "--scenes, --steps and --batch must be at least 1");
        }
        ModelRuntime.setUp();
        Map<String, List<RenderedClip>> clips = new LinkedHashMap<>();
        clips.put("seen", Evaluation.clips(Split.SEEN_TEST, scenes));
        clips.put("unseen", Evaluation.clips(Split.UNSEEN_TEST, scenes));
        Map<String, Map<String, List<Evaluation.SceneScore>>> scores = new LinkedHashMap<>(); // variant -> split
        Map<String, Map<String, List<float[]>>> videos = new LinkedHashMap<>();             // split -> variant
        clips.keySet().forEach(k -> videos.put(k, new LinkedHashMap<>()));
        generate("static", Evaluation.staticBaseline(ClipSpec.MODEL.frames()), clips, scores, videos);
        Progress progress = Progress.start("eval", (long) models.size() * 2 * scenes);
        long[] done = {0};
        try (NDManager manager = NDManager.newBaseManager()) {
            for (var m : models.entrySet()) {
                PhysMasterModel net = Models.load(m.getValue(), manager);
                EulerSampler sampler = new EulerSampler(net, manager, zeroPhys.contains(m.getKey()));
                long t0 = System.nanoTime();
                generate(m.getKey(), (firsts, seeds) -> {
                    float[][] v = sampler.sample(firsts, seeds, steps, guidance, null);
                    done[0] += v.length;
                    progress.update(done[0], "videos (" + m.getKey() + ")");
                    return v;
                }, clips, scores, videos);
                progress.note(String.format(Locale.ROOT, "%s: generated and scored %d videos in %.1f s", m.getKey(),
                        2 * scenes, (System.nanoTime() - t0) / 1e9));
            }
        }
        progress.done("");
        Path json = Path.of(out + ".json");
        Path md = Path.of(out + ".md");
        String notes = String.format(Locale.ROOT, "Proxy task, %d seen-test and %d unseen-test scenes, one sample each "
                + "(seed %d+i), %d Euler steps, guidance %.1f%s. L2, CD, area change, ghost and colour shift: lower is "
                + "better; IoU, one piece and gravity within 10 %%: higher is better. Frame 0 (given) excluded. "
                + "Figures are means over scenes (gravity: over falls of >= 5 frames) with a 95 %% bootstrap interval; "
                + "changes against %s are paired over scenes, relative for L2, CD and IoU and in points or absolute "
                + "units for the rest. Reproduce: `./physmaster eval%s --scenes %d --steps %d --out %s`.",
                scenes, scenes, seed, steps, guidance,
                zeroPhys.isEmpty() ? "" : "; c_phys zeroed for " + String.join(", ", zeroPhys), ref, cliArgs(ref),
                scenes, steps, out)
                + "\n\n![Figures with 95 % intervals; paired changes against " + ref + "](" + out.getFileName()
                + "-plot.png)";
        EvalTable.assemble(scores, ref).write(json, md, title, notes);
        System.out.println("figure: " + EvalPlot.replot(json));
        for (var e : clips.entrySet()) {
            Path png = Path.of(out + "-" + e.getKey() + ".png");
            Evaluation.contactSheet(e.getValue(), videos.get(e.getKey()), 4, png);
            System.out.println("contact sheet: " + png);
        }
        System.out.print(Files.readString(md));
        return 0;
    }

    private void generate(String variant, Evaluation.Generator g, Map<String, List<RenderedClip>> clips,
                          Map<String, Map<String, List<Evaluation.SceneScore>>> scores,
                          Map<String, Map<String, List<float[]>>> videos) {
        Map<String, List<Evaluation.SceneScore>> bySplit = new LinkedHashMap<>();
        for (var e : clips.entrySet()) {
            List<float[]> v = Evaluation.generate(g, e.getValue(), batch, seed);
            videos.get(e.getKey()).put(variant, v);
            bySplit.put(e.getKey(), Evaluation.score(e.getValue(), v));
        }
        scores.put(variant, bySplit);
    }

    private String cliArgs(String ref) {
        StringBuilder b = new StringBuilder();
        models.forEach((k, v) -> b.append(" --model ").append(k).append('=').append(v));
        zeroPhys.forEach(z -> b.append(" --zero-phys ").append(z));
        if (reference != null) {
            b.append(" --reference ").append(ref);
        }
        if (guidance != 1f) {
            b.append(" --guidance ").append(guidance);
        }
        if (seed != 1000) {
            b.append(" --seed ").append(seed);
        }
        return b.toString();
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new EvalCli()).execute(args));
    }
}
