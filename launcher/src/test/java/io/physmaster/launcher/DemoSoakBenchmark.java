package io.physmaster.launcher;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Memory soak of the closed-loop demo (prints figures; not a test): the demo's whole workload (requests, judge
 * preferences, Streams windows, trainer versions with gate and consolidation, worker hot swaps) with the demo's
 * defaults, for a given time, then the demo's own held-out report. Every interval it prints the resident memory
 * (VmRSS) of each process of the run: the demo JVM (worker, Streams, judge, trainer, annotator, report) and the
 * embedded broker and registry JVMs, with the demo's Java heap in use and its counters. At the end it writes a
 * Markdown table with peaks and a verdict against the targets (demo <= 4 GB, every other process <= 3 GB, flat
 * after warm-up).
 *
 * <p>Args: [duration ISO-8601, default PT60M] [results .md, default docs/results/soak.md] [out dir, default
 * out/soak] [held-out scenes of the final report, default 8]; -Dsoak.interval=PT15S samples more often,
 * -Dsoak.abortMb=N stops the run past N MB (default 8000). Run from the repository root, see
 * docs/results/soak.md for the command.
 */
public final class DemoSoakBenchmark {

    private static final long DEMO_LIMIT_MB = 4096;
    private static final long ROLE_LIMIT_MB = 3072;
    private static final Duration INTERVAL = Duration.parse(System.getProperty("soak.interval", "PT1M"));
    private static final Duration WARM_UP = Duration.ofMinutes(15);

    /** One sample: minutes since start, resident MB per process, the demo's heap in use / committed, its progress. */
    record Sample(double minutes, Map<String, Long> rssMb, long heapMb, long heapCommittedMb, long directMb,
                  String progress) {
    }

    public static void main(String[] args) throws Exception {
        Duration duration = args.length > 0 ? Duration.parse(args[0]) : Duration.ofMinutes(60);
        Path results = Path.of(args.length > 1 ? args[1] : "docs/results/soak.md");
        Path out = Path.of(args.length > 2 ? args[2] : "out/soak");
        int evalScenes = args.length > 3 ? Integer.parseInt(args[3]) : 8;

        AtomicReference<String> progress = new AtomicReference<>("");
        PrintStream log = new PrintStream(new LineTee(System.out, line -> {
            if (line.contains(" requests, ")) {
                progress.set(line.replaceFirst("^\\[demo\\]\\s*", "").trim());
            }
        }), true, StandardCharsets.UTF_8);
        List<Sample> samples = new ArrayList<>();
        long t0 = System.nanoTime();
        Thread sampler = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Sample s = sample(t0, progress.get());
                    synchronized (samples) {
                        samples.add(s);
                        writeQuietly(results, markdown(samples, duration, evalScenes, null)); // in case it is stopped
                    }
                    System.out.printf(Locale.ROOT, "[soak] %5.1f min  RSS MB %s  demo heap %d/%d MB, direct %d MB"
                                    + " | %s%n",
                            s.minutes(), s.rssMb(), s.heapMb(), s.heapCommittedMb(), s.directMb(), s.progress());
                    Thread.sleep(INTERVAL.toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "soak-sampler");
        sampler.setDaemon(true);
        sampler.start();
        // The machine is shared: past this size the run stops and says so instead of pushing others out of memory.
        long abortMb = Long.getLong("soak.abortMb", 8000);
        Thread watchdog = new Thread(() -> {
            while (true) {
                long rss = residentMb(ProcessHandle.current().pid());
                if (rss > abortMb) {
                    Sample s = sample(t0, "ABORTED: demo RSS " + rss + " MB > " + abortMb + " MB");
                    synchronized (samples) {
                        samples.add(s);
                        writeQuietly(results, markdown(samples, duration, evalScenes, null));
                    }
                    System.out.println("[soak] " + s.progress());
                    System.exit(3); // the stack's child JVMs stop in their shutdown hooks
                }
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "soak-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();

        // The demo's defaults (DemoMain), free ports, no pair or version limit: only the time stops it.
        ClosedLoopDemo.Options o = new ClosedLoopDemo.Options(out, Path.of("models/stage1.pmck"), 0, 0, 0, 0, 0,
                duration, 8, 2, 0, 2000f, 3e-4f, 8, 32, 24, 0, Duration.ofSeconds(60), evalScenes, 8);
        ClosedLoopDemo.Result r;
        try (ClosedLoopDemo demo = new ClosedLoopDemo()) {
            r = demo.run(o, log);
            Sample last = sample(t0, progress.get());
            synchronized (samples) {
                samples.add(new Sample(last.minutes(), last.rssMb(), last.heapMb(), last.heapCommittedMb(),
                        last.directMb(), "after the report"));
            }
        }
        sampler.interrupt();
        String md;
        synchronized (samples) {
            md = markdown(samples, duration, evalScenes, r);
        }
        Files.createDirectories(results.toAbsolutePath().getParent());
        Files.writeString(results, md);
        System.out.print(md);
        System.exit(0); // the demo's daemon threads (downloader) may still wait on the closed stack
    }

    static Sample sample(long t0, String progress) {
        Map<String, Long> rss = new LinkedHashMap<>();
        rss.put("demo", residentMb(ProcessHandle.current().pid()));
        ProcessHandle.current().children().forEach(p -> {
            String cmd = commandLine(p.pid());
            String name = cmd.contains("kafka.Kafka") ? "broker"
                    : cmd.contains("-runner.jar") ? "registry" : "other"; // other: a child still starting
            rss.merge(name, residentMb(p.pid()), Long::sum);
        });
        var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
        return new Sample((System.nanoTime() - t0) / 6e10, rss, heap.getUsed() >> 20, heap.getCommitted() >> 20,
                direct >> 20, progress);
    }

    private static void writeQuietly(Path file, String text) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            System.out.println("[soak] could not write " + file + ": " + e.getMessage());
        }
    }

    /** The process's arguments, from /proc (ProcessHandle.Info cuts long command lines). */
    static String commandLine(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    /** VmRSS of a process in MB (0 when it is gone). */
    static long residentMb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) >> 10;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the process ended between listing and reading
        }
        return 0;
    }

    static String markdown(List<Sample> samples, Duration duration, int evalScenes, ClosedLoopDemo.Result r) {
        List<String> names = new ArrayList<>();
        samples.forEach(s -> s.rssMb().keySet().forEach(n -> {
            if (!names.contains(n)) {
                names.add(n);
            }
        }));
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "Run: %s, %s, max heap %d MB, GLIBC_TUNABLES=%s, MALLOC_ARENA_MAX=%s, "
                        + "LD_PRELOAD=%s, MALLOC_CONF=%s; "
                        + "%s.%n%n",
                Instant.now(), duration, Runtime.getRuntime().maxMemory() >> 20, System.getenv("GLIBC_TUNABLES"),
                System.getenv("MALLOC_ARENA_MAX"), System.getenv("LD_PRELOAD"), System.getenv("MALLOC_CONF"),
                r == null ? "partial (written while running or stopped early)" : String.format(Locale.ROOT,
                        "%d videos, %d judge preferences, %d encoder versions published (report on %d held-out "
                                + "scenes)", r.videos(), r.preferences(), r.points().size() - 1, evalScenes)));
        b.append("| min |");
        names.forEach(n -> b.append(' ').append(n).append(" RSS MB |"));
        b.append(" demo heap used / committed MB | demo direct buffers MB | demo progress |\n|---|");
        names.forEach(n -> b.append("---|"));
        b.append("---|---|---|\n");
        for (Sample s : samples) {
            b.append(String.format(Locale.ROOT, "| %.1f |", s.minutes()));
            names.forEach(n -> b.append(' ').append(s.rssMb().getOrDefault(n, 0L)).append(" |"));
            b.append(' ').append(s.heapMb()).append(" / ").append(s.heapCommittedMb()).append(" | ")
                    .append(s.directMb()).append(" | ").append(s.progress()).append(" |\n");
        }
        b.append('\n');
        for (String n : names) {
            long limit = n.equals("demo") ? DEMO_LIMIT_MB : ROLE_LIMIT_MB;
            long peak = samples.stream().mapToLong(s -> s.rssMb().getOrDefault(n, 0L)).max().orElse(0);
            List<Sample> warm = samples.stream().filter(s -> s.minutes() >= WARM_UP.toMinutes()
                    && s.rssMb().getOrDefault(n, 0L) > 0).toList();
            String slope = warm.size() < 2 ? "n/a (run shorter than the warm-up)" : String.format(Locale.ROOT,
                    "%+.1f MB/min after minute %d (%d -> %d MB)", slopePerMinute(warm, n), WARM_UP.toMinutes(),
                    warm.get(0).rssMb().get(n), warm.get(warm.size() - 1).rssMb().get(n));
            b.append(String.format(Locale.ROOT, "- %s: peak %d MB (target <= %d MB: %s); %s%n", n, peak, limit,
                    peak <= limit ? "met" : "NOT met", slope));
        }
        return b.toString();
    }

    /** Least-squares slope of a process's RSS against time, MB per minute. */
    static double slopePerMinute(List<Sample> s, String name) {
        double mx = s.stream().mapToDouble(Sample::minutes).average().orElse(0);
        double my = s.stream().mapToDouble(x -> x.rssMb().get(name)).average().orElse(0);
        double num = 0;
        double den = 0;
        for (Sample x : s) {
            num += (x.minutes() - mx) * (x.rssMb().get(name) - my);
            den += (x.minutes() - mx) * (x.minutes() - mx);
        }
        return den == 0 ? 0 : num / den;
    }

    /** Passes bytes through and hands every complete line to a listener. */
    private static final class LineTee extends OutputStream {
        private final PrintStream target;
        private final java.util.function.Consumer<String> lines;
        private final StringBuilder line = new StringBuilder();

        LineTee(PrintStream target, java.util.function.Consumer<String> lines) {
            this.target = target;
            this.lines = lines;
        }

        @Override
        public synchronized void write(int c) {
            target.write(c);
            if (c == '\n') {
                lines.accept(line.toString());
                line.setLength(0);
            } else {
                line.append((char) c);
            }
        }
    }
}
