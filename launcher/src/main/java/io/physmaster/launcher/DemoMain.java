package io.physmaster.launcher;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code physmaster demo}: the whole closed loop on the embedded stack, with a report at the end. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start the stack and every role, generate proxy-task videos, learn online from the judge's "
                + "preferences until --pairs, --versions or --time-limit is reached, and report held-out metrics "
                + "per encoder version.")
public final class DemoMain implements Callable<Integer> {

    @Option(names = "--out", defaultValue = "out/demo", paramLabel = "DIR", description = "Where the report, the plot, "
            + "the saved videos and the run's broker, blob and Streams state go (default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--model", defaultValue = "models/stage1.pmck", paramLabel = "FILE", description = "Checkpoint the "
            + "worker serves first, the trainer starts from and the report compares against "
            + "(default: ${DEFAULT-VALUE})")
    Path model;
    @Option(names = "--versions", defaultValue = "0",
            description = "Stop after this many encoder versions; 0 = no limit (default: ${DEFAULT-VALUE})")
    int versions;
    @Option(names = "--pairs", defaultValue = "1000",
            description = "Stop once the judge has given this many preferences; 0 = no limit (default: ${DEFAULT-VALUE})")
    int pairs;
    @Option(names = "--time-limit", defaultValue = "PT12M", paramLabel = "DURATION", description = "Stop submitting "
            + "requests after this long, ISO-8601 like PT30M (default: ${DEFAULT-VALUE})")
    Duration timeLimit;
    @Option(names = "--scenes-per-round", defaultValue = "8", description = "Twice this many requests (one training "
            + "scene each) are kept in flight (default: ${DEFAULT-VALUE})")
    int scenesPerRound;
    @Option(names = "--samples", defaultValue = "2", description = "Videos per request; the judge compares them "
            + "(default: ${DEFAULT-VALUE})")
    int samples;
    @Option(names = "--dpo-steps", defaultValue = "0",
            description = "Flow-DPO steps per window; 0 = one pass over its pairs (default: ${DEFAULT-VALUE})")
    int dpoSteps;
    @Option(names = "--beta", defaultValue = "2000", description = "Flow-DPO beta (default: ${DEFAULT-VALUE})")
    float beta;
    @Option(names = "--lr", defaultValue = "3e-4", description = "Peak learning rate (default: ${DEFAULT-VALUE})")
    float lr;
    @Option(names = "--lora-rank", defaultValue = "8",
            description = "Rank of the DiT LoRA adapters trained with the head; 0 = head only (default: ${DEFAULT-VALUE})")
    int loraRank;
    @Option(names = "--consolidate-steps", defaultValue = "32", description = "Background steps over the replay "
            + "buffer between two gated candidates; 0 = off (default: ${DEFAULT-VALUE})")
    int consolidateSteps;
    @Option(names = "--gate-scenes", defaultValue = "24", description = "Held-out scenes of the gate (default: "
            + "${DEFAULT-VALUE})")
    int gateScenes;
    @Option(names = "--gate-tolerance", defaultValue = "0", description = "Relative judge-score change the gate "
            + "lets through (default: ${DEFAULT-VALUE})")
    double gateTolerance;
    @Option(names = "--window", defaultValue = "PT60S", paramLabel = "DURATION",
            description = "Preference window of the Streams app, ISO-8601 (default: ${DEFAULT-VALUE})")
    Duration window;
    @Option(names = "--eval-scenes", defaultValue = "32", description = "Held-out scenes on which the report "
            + "evaluates each encoder version (default: ${DEFAULT-VALUE})")
    int evalScenes;
    @Option(names = "--steps", defaultValue = "8", description = "Euler sampler steps of the requests, the gate and "
            + "the report (default: ${DEFAULT-VALUE})")
    int steps;
    @Option(names = "--kafka-port", defaultValue = "9092",
            description = "Port of the embedded Kafka broker; 0 = any free port (default: ${DEFAULT-VALUE})")
    int kafkaPort;
    @Option(names = "--registry-port", defaultValue = "8081",
            description = "Port of the embedded schema registry; 0 = any free port (default: ${DEFAULT-VALUE})")
    int registryPort;
    @Option(names = "--annotator-port", defaultValue = "8088",
            description = "Port of the annotator page, on 127.0.0.1 (default: ${DEFAULT-VALUE})")
    int annotatorPort;
    @Option(names = "--keep-running", description = "Leave the stack, roles and web page up until Ctrl-C") boolean keep;
    @Option(names = "--replot", paramLabel = "REPORT_JSON", description = "Only redraw the learning-curve plot of an "
            + "earlier run from its report.json (no stack, no models) into the same name with .png, e.g. "
            + "--replot docs/results/online.json writes docs/results/online.png")
    Path replot;

    @Override
    public Integer call() throws Exception {
        if (replot != null) {
            try {
                System.out.println("[demo] plot: " + MetricsPlot.replot(replot));
                return 0;
            } catch (IOException | IllegalArgumentException e) {
                System.err.println("[demo] --replot " + replot + ": " + e.getMessage());
                return 2;
            }
        }
        quietRoles();
        ClosedLoopDemo demo = new ClosedLoopDemo();
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            demo.close();
            done.countDown();
        }, "demo-shutdown"));
        ClosedLoopDemo.Result r = demo.run(new ClosedLoopDemo.Options(out, model, kafkaPort, registryPort, annotatorPort,
                versions, pairs, timeLimit, scenesPerRound, samples, dpoSteps, beta, lr, loraRank, consolidateSteps, gateScenes,
                gateTolerance, window,
                evalScenes, steps), System.out);
        System.out.println("[demo] report: " + r.report() + "  plot: " + r.plot());
        if (keep) {
            System.out.println("[demo] --keep-running: everything stays up; Ctrl-C stops it.");
            done.await();
        } else {
            demo.close();
        }
        return 0;
    }

    /**
     * The roles run in this process and log one INFO line per event (each video, each preference): hundreds in
     * a run. Unless --verbose, those stay in the log file and the console shows the demo's own progress; warnings
     * and errors still show.
     */
    static void quietRoles() {
        if (!Boolean.getBoolean("physmaster.verbose") && System.getProperty("physmaster.console.info") == null) {
            System.setProperty("physmaster.console.info", "io.physmaster.launcher");
        }
        String logs = System.getProperty("physmaster.logs", System.getenv().getOrDefault("PHYSMASTER_LOGS", "run/logs"));
        System.out.printf("[demo] every role's events: %s (--verbose shows them here too)%n",
                Path.of(logs, System.getProperty("physmaster.role", "physmaster") + ".log"));
    }

    public static void main(String[] args) {
        // A failure is a readable message; the stack trace only with --verbose.
        int code = new CommandLine(new DemoMain()).setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (Boolean.getBoolean("physmaster.verbose")) {
                e.printStackTrace(cmd.getErr());
            }
            cmd.getErr().println("[demo] failed: " + e.getMessage());
            return 1;
        }).execute(args);
        System.exit(code);
    }
}
