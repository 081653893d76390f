package io.physmaster.client;

import io.physmaster.role.ConnectionOptions;
import io.physmaster.requests.InvalidRequestException;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.PreferenceSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code physmaster-client}: the command line over {@link PhysMasterClient}. Connection settings come from
 * options or the PHYSMASTER_* environment variables; defaults reach the local stack.
 */
@Command(name = "physmaster-client", mixinStandardHelpOptions = true,
        description = "Submit generation requests, fetch videos, send preferences, manage encoder versions.",
        subcommands = {ClientCli.Submit.class, ClientCli.Videos.class, ClientCli.Prefer.class,
                ClientCli.Versions.class, ClientCli.Scenes.class})
public final class ClientCli {

    /** Exit codes: 0 ok, 2 bad input (nothing published), 3 timed out, 1 anything else. */
    static final int BAD_INPUT = 2;
    static final int TIMED_OUT = 3;

    static class Connection {
        @CommandLine.Mixin ConnectionOptions options = new ConnectionOptions();

        ClientSettings settings() {
            return ClientSettings.of(options.settings());
        }
    }

    @Command(name = "submit", mixinStandardHelpOptions = true, description = "Publish a generation request; prints its id.")
    static final class Submit implements Callable<Integer> {
        @CommandLine.Mixin Connection conn = new Connection();
        @Parameters(index = "0", paramLabel = "IMAGE", description = "First frame, PNG or JPEG") Path image;
        @Option(names = "--samples", defaultValue = "2",
                description = "Videos to sample from the frame, 1-8; two or more make a preference pair "
                        + "(default: ${DEFAULT-VALUE})")
        int samples;
        @Option(names = "--frames", defaultValue = "16", description = "Frames per video, the given first frame "
                + "included; at most what the served model makes (default: ${DEFAULT-VALUE})")
        int frames;
        @Option(names = "--steps", defaultValue = "8", description = "Euler steps of the flow sampler, 1-200 "
                + "(default: ${DEFAULT-VALUE})")
        int steps;
        @Option(names = "--guidance", defaultValue = "1.0", description = "Classifier-free guidance scale on the "
                + "physical representation, 0-20; 1.0 = no guidance (default: ${DEFAULT-VALUE})")
        float guidance;
        @Option(names = "--seed", defaultValue = "0", description = "Base random seed; sample i uses seed + i "
                + "(default: ${DEFAULT-VALUE})")
        long seed;
        @Option(names = "--prompt", description = "Text prompt, recorded with the request (the proxy-task model "
                + "ignores it)")
        String prompt;
        @Option(names = "--scene", paramLabel = "SPLIT:INDEX",
                description = "Proxy-task scene id of the frame, e.g. seen:3, so the judge can compare with the "
                        + "simulation")
        String scene;
        @Option(names = "--encoder-version", paramLabel = "VERSION",
                description = "Pin this encoder version (default: the one the workers serve)")
        String encoderVersion;
        @Option(names = "--wait", description = "Also wait for the videos and save them to --out") boolean await;
        @Option(names = "--out", defaultValue = "out/videos", paramLabel = "DIR",
                description = "Directory for the videos with --wait (default: ${DEFAULT-VALUE})")
        Path out;
        @Option(names = "--timeout", defaultValue = "PT5M", paramLabel = "DURATION",
                description = "How long --wait waits, ISO-8601 (default: ${DEFAULT-VALUE})")
        Duration timeout;

        @Override
        public Integer call() throws Exception {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(image);
            } catch (NoSuchFileException e) {
                System.err.println("error: no such image file: " + image);
                return BAD_INPUT;
            }
            try (PhysMasterClient client = PhysMasterClient.connect(conn.settings())) {
                String id = client.submit(Submission.of(bytes).withSamples(samples).withFrames(frames)
                        .withSteps(steps).withGuidance(guidance).withSeed(seed).withPrompt(prompt)
                        .withSceneId(scene).withEncoderVersion(encoderVersion));
                System.out.println(id);
                if (await) {
                    for (GeneratedVideo v : client.awaitVideos(id, samples, timeout)) {
                        System.out.println(client.download(v, out));
                    }
                }
                return 0;
            } catch (InvalidRequestException e) {
                System.err.println("error: " + e.getMessage() + " (nothing was published)");
                return BAD_INPUT;
            } catch (TimeoutException e) {
                System.err.println("error: " + e.getMessage());
                return TIMED_OUT;
            }
        }
    }

    @Command(name = "videos", mixinStandardHelpOptions = true,
            description = "Follow finished videos and save them, with a progress line.")
    static final class Videos implements Callable<Integer> {
        @CommandLine.Mixin Connection conn = new Connection();
        @Option(names = "--request", paramLabel = "ID", description = "Only this request's videos (default: all)")
        String request;
        @Option(names = "--count", defaultValue = "0",
                description = "Stop after this many videos; 0 = until --timeout (default: ${DEFAULT-VALUE})")
        int count;
        @Option(names = "--since", defaultValue = "PT1H", paramLabel = "DURATION",
                description = "Start with videos finished this long ago, ISO-8601 (default: ${DEFAULT-VALUE})")
        Duration since;
        @Option(names = "--timeout", defaultValue = "PT10M", paramLabel = "DURATION",
                description = "Stop following after this long, ISO-8601 (default: ${DEFAULT-VALUE})")
        Duration timeout;
        @Option(names = "--out", defaultValue = "out/videos", paramLabel = "DIR",
                description = "Directory for the videos, saved as <request>-<sample>.mp4 (default: ${DEFAULT-VALUE})")
        Path out;

        @Override
        public Integer call() throws Exception {
            AtomicInteger saved = new AtomicInteger();
            Instant start = Instant.now();
            try (PhysMasterClient client = PhysMasterClient.connect(conn.settings())) {
                client.followVideos(Instant.now().minus(since), v -> {
                    if (request != null && !request.equals(v.getRequestId())) {
                        return true;
                    }
                    try {
                        Path p = client.download(v, out);
                        int n = saved.incrementAndGet();
                        double secs = Math.max(1e-3, Duration.between(start, Instant.now()).toMillis() / 1000.0);
                        System.err.printf("\r%s %d%s videos  %.2f/s  last %s", bar(n, count), n,
                                count > 0 ? "/" + count : "", n / secs, p.getFileName());
                        System.out.println();
                        System.out.println(p);
                    } catch (IOException e) {
                        System.err.println("\nskipping " + v.getVideoUri() + ": " + e.getMessage());
                    }
                    return count == 0 || saved.get() < count;
                }, timeout);
            }
            System.err.println();
            if (count > 0 && saved.get() < count) {
                System.err.println("error: " + saved.get() + " of " + count + " videos within " + timeout);
                return TIMED_OUT;
            }
            return 0;
        }

        private static String bar(int n, int total) {
            if (total <= 0) {
                return "";
            }
            int w = 20;
            int filled = Math.min(w, n * w / total);
            return "[" + "#".repeat(filled) + " ".repeat(w - filled) + "]";
        }
    }

    @Command(name = "prefer", mixinStandardHelpOptions = true,
            description = "Say which of two samples of a request is more physical.")
    static final class Prefer implements Callable<Integer> {
        @CommandLine.Mixin Connection conn = new Connection();
        @Parameters(index = "0", paramLabel = "REQUEST", description = "Request id (printed by submit)") String request;
        @Parameters(index = "1", paramLabel = "PREFERRED", description = "Index of the more physical sample, from 0")
        int preferred;
        @Parameters(index = "2", paramLabel = "REJECTED", description = "Index of the less physical sample, from 0")
        int rejected;
        @Option(names = "--annotator", defaultValue = "${sys:user.name}", paramLabel = "NAME",
                description = "Who says so (default: the user name, ${DEFAULT-VALUE})")
        String annotator;
        @Option(names = "--confidence", defaultValue = "1.0",
                description = "How sure, 0-1; the Streams app drops events below its minimum "
                        + "(default: ${DEFAULT-VALUE})")
        float confidence;
        @Option(names = "--lookup-timeout", defaultValue = "PT10S", paramLabel = "DURATION",
                description = "How long to look for both samples on the videos topic before refusing, ISO-8601 "
                        + "(default: ${DEFAULT-VALUE})")
        Duration lookup;

        @Override
        public Integer call() throws Exception {
            try (PhysMasterClient client = PhysMasterClient.connect(conn.settings())) {
                System.out.println(client.prefer(request, preferred, rejected, PreferenceSource.HUMAN, annotator,
                        confidence, lookup));
                return 0;
            } catch (InvalidRequestException e) {
                System.err.println("error: " + e.getMessage() + " (nothing was published)");
                return BAD_INPUT;
            }
        }
    }

    @Command(name = "versions", mixinStandardHelpOptions = true,
            description = "List encoder versions (the last is served), or roll back to one with --rollback.")
    static final class Versions implements Callable<Integer> {
        @CommandLine.Mixin Connection conn = new Connection();
        @Option(names = "--rollback", paramLabel = "VERSION",
                description = "Republish this version so workers serve it again")
        String rollback;

        @Override
        public Integer call() throws Exception {
            try (PhysMasterClient client = PhysMasterClient.connect(conn.settings())) {
                if (rollback != null) {
                    client.rollback(rollback, Duration.ofSeconds(20));
                    System.out.println("serving " + rollback);
                    return 0;
                }
                List<EncoderVersion> versions = client.encoderVersions(Duration.ofSeconds(20));
                System.out.printf("%-20s %-20s %-24s %s%n", "VERSION", "PARENT", "CREATED", "FIGURES");
                for (EncoderVersion v : versions) {
                    System.out.printf("%-20s %-20s %-24s %s%n", v.getVersion(), v.getParent(), v.getCreatedAt(),
                            v.getEvaluationFigures());
                }
                if (!versions.isEmpty()) {
                    System.out.println("serving: " + versions.get(versions.size() - 1).getVersion());
                }
                return 0;
            } catch (InvalidRequestException e) {
                System.err.println("error: " + e.getMessage());
                return BAD_INPUT;
            }
        }
    }

    @Command(name = "scenes", mixinStandardHelpOptions = true,
            description = "Render proxy-task first frames to PNG files; with --submit, also request videos of them.")
    static final class Scenes implements Callable<Integer> {
        @CommandLine.Mixin Connection conn = new Connection();
        @Option(names = "--split", defaultValue = "seen",
                description = "Scene split: train, seen or unseen (default: ${DEFAULT-VALUE})")
        String split;
        @Option(names = "--index", defaultValue = "0", description = "First scene index (default: ${DEFAULT-VALUE})")
        long index;
        @Option(names = "--count", defaultValue = "4", description = "Number of scenes (default: ${DEFAULT-VALUE})")
        int count;
        @Option(names = "--out", defaultValue = "out/scenes", paramLabel = "DIR",
                description = "Directory for the PNG frames, named <split>-<index>.png (default: ${DEFAULT-VALUE})")
        Path out;
        @Option(names = "--submit", description = "Submit a request for each frame (scene id attached for the judge)")
        boolean submit;
        @Option(names = "--samples", defaultValue = "2",
                description = "Videos per submitted request, 1-8 (default: ${DEFAULT-VALUE})")
        int samples;

        @Override
        public Integer call() throws Exception {
            io.physmaster.sim.Split s;
            try {
                s = io.physmaster.sim.Split.parse(split);
            } catch (IllegalArgumentException e) {
                System.err.println("error: " + e.getMessage());
                return BAD_INPUT;
            }
            Files.createDirectories(out);
            try (PhysMasterClient client = submit ? PhysMasterClient.connect(conn.settings()) : null) {
                for (long i = index; i < index + count; i++) {
                    var scene = io.physmaster.sim.ProxyTask.scene(s, i);
                    var clip = io.physmaster.sim.ProxyTask.render(scene, io.physmaster.sim.ClipSpec.MODEL);
                    Path png = out.resolve(scene.id().replace(':', '-') + ".png");
                    javax.imageio.ImageIO.write(io.physmaster.sim.Renderer.toImage(clip.video(), 0, clip.height(),
                            clip.width()), "png", png.toFile());
                    if (client != null) {
                        String id = client.submit(Submission.of(Files.readAllBytes(png)).withSamples(samples)
                                .withSceneId(scene.id()).withSeed(i * 100));
                        System.out.println(png + " " + scene.id() + " " + id);
                    } else {
                        System.out.println(png + " " + scene.id());
                    }
                }
            }
            return 0;
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ClientCli()).execute(args));
    }
}
