package io.physmaster.sim.cli;

import io.physmaster.console.Progress;
import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.SceneGenerator;
import io.physmaster.sim.SceneSpec;
import io.physmaster.sim.Split;
import io.physmaster.sim.SurfaceSpec;
import io.physmaster.sim.io.ClipFile;
import io.physmaster.sim.io.ContactSheet;
import io.physmaster.sim.io.VideoFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code physmaster sim}: render scenes for people and write datasets for training. */
@Command(name = "sim", mixinStandardHelpOptions = true,
        description = "The proxy-task simulator: render scenes, write datasets.",
        subcommands = {SimCli.Render.class, SimCli.Dataset.class, MeasureCommand.class})
public final class SimCli {

    @Command(name = "render", mixinStandardHelpOptions = true,
            description = "Render scenes to MP4, GIF, a contact sheet and a .pmv file.")
    static final class Render implements Callable<Integer> {
        @Option(names = "--split", defaultValue = "train",
                description = "Scene split: train, seen or unseen (default: ${DEFAULT-VALUE})")
        String split;
        @Option(names = "--index", defaultValue = "0", description = "First scene index (default: ${DEFAULT-VALUE})")
        long index;
        @Option(names = "--count", defaultValue = "1", description = "Number of scenes (default: ${DEFAULT-VALUE})")
        int count;
        @Option(names = "--size", defaultValue = "32",
                description = "Frame width and height in pixels (default: ${DEFAULT-VALUE})")
        int size;
        @Option(names = "--frames", defaultValue = "16",
                description = "Frames per clip, the first included (default: ${DEFAULT-VALUE})")
        int frames;
        @Option(names = "--fps", defaultValue = "10",
                description = "Frames per second of simulated time and of the videos (default: ${DEFAULT-VALUE})")
        double fps;
        @Option(names = "--scale", defaultValue = "8",
                description = "Upscale factor for the MP4, GIF and PNG files (default: ${DEFAULT-VALUE})")
        int scale;
        @Option(names = "--png-frames", description = "Also write every frame as <scene>/NN.png") boolean pngFrames;
        @Option(names = "--out", defaultValue = "out/sim", paramLabel = "DIR",
                description = "Output directory (default: ${DEFAULT-VALUE})")
        Path out;

        @Override
        public Integer call() throws IOException {
            ClipSpec clip = new ClipSpec(size, frames, fps);
            List<ContactSheet.Row> rows = new ArrayList<>();
            for (long i = index; i < index + count; i++) {
                SceneSpec scene = ProxyTask.scene(Split.parse(split), i);
                long t0 = System.nanoTime();
                RenderedClip c = ProxyTask.render(scene, clip);
                double ms = (System.nanoTime() - t0) / 1e6;
                String name = scene.id().replace(':', '-');
                VideoFiles.writeMp4(c.video(), c.frames(), c.height(), c.width(), fps, scale, out.resolve(name + ".mp4"));
                VideoFiles.writeGif(c.video(), c.frames(), c.height(), c.width(), fps, scale, out.resolve(name + ".gif"));
                ClipFile.write(out.resolve(name + ".pmv"), contents(c, fps));
                ImageIO.write(VideoFiles.frame(c.video(), 0, c.height(), c.width(), scale), "png",
                        out.resolve(name + ".png").toFile());
                if (pngFrames) {
                    Files.createDirectories(out.resolve(name));
                    for (int t = 0; t < c.frames(); t++) {
                        ImageIO.write(VideoFiles.frame(c.video(), t, c.height(), c.width(), scale), "png",
                                out.resolve(name).resolve(String.format("%02d.png", t)).toFile());
                    }
                }
                rows.add(new ContactSheet.Row(scene.id(), c.video(), c.frames(), c.height(), c.width()));
                System.out.printf("%s  %s  simulated+rendered in %.0f ms -> %s.{mp4,gif,png,pmv}%n", scene.id(),
                        describe(scene), ms, out.resolve(name));
            }
            Path sheet = ContactSheet.write(rows, Math.max(64, size), out.resolve("contact-sheet.png"));
            System.out.println("contact sheet: " + sheet);
            return 0;
        }
    }

    @Command(name = "dataset", mixinStandardHelpOptions = true,
            description = "Write the train, seen and unseen splits as .pmv files with an index.")
    static final class Dataset implements Callable<Integer> {
        @Option(names = "--train", defaultValue = "2000",
                description = "Scenes in the train split (default: ${DEFAULT-VALUE})")
        int train;
        @Option(names = "--seen", defaultValue = "200",
                description = "Scenes in the seen-test split (default: ${DEFAULT-VALUE})")
        int seen;
        @Option(names = "--unseen", defaultValue = "200", description = "Scenes in the unseen-test split, "
                + "with new shape-material pairs and drop heights (default: ${DEFAULT-VALUE})")
        int unseen;
        @Option(names = "--size", defaultValue = "32",
                description = "Frame width and height in pixels (default: ${DEFAULT-VALUE})")
        int size;
        @Option(names = "--frames", defaultValue = "16",
                description = "Frames per clip, the first included (default: ${DEFAULT-VALUE})")
        int frames;
        @Option(names = "--fps", defaultValue = "10",
                description = "Frames per second of simulated time (default: ${DEFAULT-VALUE})")
        double fps;
        @Option(names = "--out", defaultValue = "out/dataset", paramLabel = "DIR", description = "Output directory: "
                + "<split>/NNNNNN.pmv, <split>/index.csv, dataset.json (default: ${DEFAULT-VALUE})")
        Path out;

        @Override
        public Integer call() throws IOException {
            ClipSpec clip = new ClipSpec(size, frames, fps);
            long t0 = System.nanoTime();
            int total = 0;
            Progress progress = Progress.start("dataset", (long) train + seen + unseen);
            for (var e : List.of(java.util.Map.entry(Split.TRAIN, train), java.util.Map.entry(Split.SEEN_TEST, seen),
                    java.util.Map.entry(Split.UNSEEN_TEST, unseen))) {
                Path dir = out.resolve(e.getKey().shortName());
                Files.createDirectories(dir);
                try (PrintWriter index = new PrintWriter(Files.newBufferedWriter(dir.resolve("index.csv")))) {
                    index.println("scene_id,file,objects,dropping,frames,size,fps,layout,contents");
                    for (int i = 0; i < e.getValue(); i++) {
                        SceneSpec scene = ProxyTask.scene(e.getKey(), i);
                        RenderedClip c = ProxyTask.render(scene, clip);
                        String file = String.format("%06d.pmv", i);
                        ClipFile.write(dir.resolve(file), contents(c, fps));
                        index.printf("%s,%s,%d,%d,%d,%d,%s,%s,%s%n", scene.id(), file, c.objectCount(),
                                scene.dropCount(), frames, size, fps, layout(scene), describe(scene));
                        total++;
                        progress.update(total, String.format(java.util.Locale.ROOT, "scenes, %.1f scenes/s",
                                total / ((System.nanoTime() - t0) / 1e9)));
                    }
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            progress.done("");
            Files.writeString(out.resolve("dataset.json"), String.format(java.util.Locale.ROOT, """
                    {
                      "format": "pmv1 (see physics-sim/README.md)",
                      "clip": {"size": %d, "frames": %d, "fps": %s},
                      "splits": {"train": %d, "seen": %d, "unseen": %d},
                      "unseen_rule": "dropping objects use shape-material pairs never in train and drop from %.1f-%.1f m above the floor (train %.1f-%.1f m)",
                      "world_metres": %s,
                      "seconds": %.2f,
                      "scenes_per_second": %.2f
                    }
                    """, size, frames, fps, train, seen, unseen, SceneGenerator.UNSEEN_DROP_MIN, SceneGenerator.UNSEEN_DROP_MAX,
                    SceneGenerator.TRAIN_DROP_MIN, SceneGenerator.TRAIN_DROP_MAX, SceneSpec.WORLD, secs, total / secs));
            System.out.printf("wrote %d scenes to %s in %.1f s (%.1f scenes/s)%n", total, out, secs, total / secs);
            return 0;
        }
    }

    /** Static surfaces besides the floor: "floor", "ledge", "ramp". */
    static String layout(SceneSpec scene) {
        return scene.surfaces().stream().map(SurfaceSpec::kind).filter(k -> !k.equals("floor")).findFirst()
                .orElse("floor");
    }

    /** The objects as shape-material-role words, e.g. "box-wood-rest circle-rubber-drop". */
    static String describe(SceneSpec scene) {
        return scene.objects().stream().map(o -> (o.shape() + "-" + o.material() + "-"
                + (o.dropping() ? "drop" : "rest")).toLowerCase()).collect(java.util.stream.Collectors.joining(" "));
    }

    static ClipFile.Contents contents(RenderedClip c, double fps) {
        return new ClipFile.Contents(c.scene().id(), c.frames(), c.height(), c.width(), fps, c.video(), c.masks(),
                c.dropping());
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SimCli()).execute(args));
    }
}
