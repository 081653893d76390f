package io.physmaster.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.physmaster.stack.RepoRoot;
import io.physmaster.streams.StreamsSettings;
import io.physmaster.topics.Topics;
import io.physmaster.trainer.DpoTrainerSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;

/**
 * A discrete-event simulation of PhysMaster's two queues, fed by the benchmark figures in docs/results
 * (see docs/SCALING.md). Both are FIFO queues, so each is simulated exactly by the Lindley recursion:
 * a job starts at max(its arrival, its server's free time).
 * <ul>
 *   <li>generation: Poisson requests at N/s, each K videos; a request lands on a random partition of
 *       generation-requests, a partition belongs to one worker (p mod active, as Kafka's range assignor),
 *       so only min(workers, partitions) workers ever get work. SHARED instead lets any free worker take the
 *       next request (one queue: M/G/c), the ideal that the unit test checks against Erlang C;</li>
 *   <li>preferences: Poisson events at M/s through the Streams app (one server, the measured events/s: its
 *       batching stage reads the one-partition by-encoder-version topic), tumbling windows with grace and the
 *       size trigger, then one active trainer taking batches in order (load + gate + one pass of steps).</li>
 * </ul>
 * Run: nice -n 5 java -cp launcher/target/test-classes:$(cat launcher/target/classpath.txt)
 * io.physmaster.launcher.CapacitySimulation [seconds simulated] [service CV]
 */
public final class CapacitySimulation {

    /** Fixed, so every run of the document's table prints the same figures. */
    static final long SEED = 20261203L;

    /** A service-time distribution: its mean and a draw. */
    record Service(double mean, ToDoubleFunction<Random> sampler) {
        double draw(Random r) {
            return sampler.applyAsDouble(r);
        }

        static Service exponential(double mean) {
            return new Service(mean, r -> -mean * Math.log(1 - r.nextDouble()));
        }

        /** Lognormal with the given mean and coefficient of variation (sd / mean). */
        static Service lognormal(double mean, double cv) {
            double s2 = Math.log(1 + cv * cv);
            double mu = Math.log(mean) - s2 / 2;
            return new Service(mean, r -> Math.exp(mu + Math.sqrt(s2) * r.nextGaussian()));
        }

        /** The sum of k draws (a request of k videos sampled one after another). */
        static Service times(int k, Service video) {
            return new Service(k * video.mean(), r -> IntStream.range(0, k).mapToDouble(i -> video.draw(r)).sum());
        }
    }

    /** The measured inputs (seconds). */
    record Figures(double secondsPerVideo, double streamsEventsPerS, double sizeEmitS, double closeEmitS,
                   double trainerLoadS, double trainerStepS, double trainerGateS, double measuredBatchS) {

        static Figures load(Path results) throws IOException {
            ObjectMapper m = new ObjectMapper();
            JsonNode w = m.readTree(results.resolve("bench-worker.json").toFile());
            JsonNode s = m.readTree(results.resolve("bench-streams.json").toFile());
            JsonNode t = s.at("/end_to_end_update_latency/dedicated/training_figures");
            return new Figures(
                    w.get("kafka_one_worker_seconds").asDouble()
                            / (w.get("requests").asInt() * w.get("samples_per_request").asInt()),
                    s.at("/throughput/events_per_s").asDouble(),
                    s.at("/batch_emit_latency/size_trigger_64_pairs/median_seconds").asDouble(),
                    s.at("/batch_emit_latency/window_close_8_pairs/median_seconds").asDouble(),
                    t.get("seconds_loading_pairs").asDouble(),
                    t.get("seconds_dpo").asDouble() / t.get("steps").asDouble(),
                    t.get("seconds_gate").asDouble(),
                    t.get("seconds").asDouble());
        }

        /** One batch's fast path: load its pairs, one pass of steps (PAIRS_PER_STEP pairs each), the gate. */
        double batchSeconds(int pairs) {
            int steps = (pairs + DpoTrainerSettings.PAIRS_PER_STEP - 1) / DpoTrainerSettings.PAIRS_PER_STEP;
            return trainerLoadS + steps * trainerStepS + trainerGateS;
        }
    }

    record GenResult(double offered, double throughput, double utilisation, double maxUtilisation,
                     double meanWait, double meanLatency, double p95Latency) {
    }

    /**
     * Requests at {@code rate}/s for {@code horizon} s; statistics over requests arriving after the first tenth.
     * offered is the busiest worker's offered load (>= 1: its queue grows without bound).
     */
    static GenResult generation(double rate, int workers, int partitions, boolean partitioned, Service service,
                                double horizon, long seed) {
        Random rnd = new Random(seed);
        int active = partitioned ? Math.min(workers, partitions) : workers;
        double[] free = new double[workers];
        double[] busy = new double[workers];
        Samples waits = new Samples();
        Samples latencies = new Samples();
        long done = 0;
        for (double t = next(rnd, rate, 0); t <= horizon; t = next(rnd, rate, t)) {
            int w = partitioned ? rnd.nextInt(partitions) % active : earliest(free);
            double start = Math.max(t, free[w]);
            free[w] = start + service.draw(rnd);
            busy[w] += Math.max(0, Math.min(free[w], horizon) - start);
            done += free[w] <= horizon ? 1 : 0;
            if (t >= horizon / 10) {
                waits.add(start - t);
                latencies.add(free[w] - t);
            }
        }
        int busiestShare = partitioned ? (partitions + active - 1) / active : 1;
        double offered = partitioned ? rate * service.mean() * busiestShare / partitions
                : rate * service.mean() / workers;
        return new GenResult(offered, done / horizon, Arrays.stream(busy).sum() / (workers * horizon),
                Arrays.stream(busy).max().orElse(0) / horizon, waits.mean(), latencies.mean(),
                latencies.quantile(0.95));
    }

    record PrefResult(double streamsUtilisation, long late, long batches, double meanPairs, double trainerUtilisation,
                      double meanUpdate, double p95Update, long backlog, double backlogPerHour) {
    }

    /**
     * Preference events at {@code rate}/s through one Streams app, every event a distinct pair (the trainer's worst
     * case: no votes merged by dedupe or majority), spread evenly over {@code families} encoder families with a
     * trainer each; the trainer figures are family 0's. Update = from a batch being readable to its version
     * published (trainer queue + work).
     */
    static PrefResult preferences(double rate, int families, Figures f, StreamsSettings b, double horizon,
                                  long seed) {
        Random rnd = new Random(seed);
        double window = b.window().toMillis() / 1000.0;
        double grace = b.grace().toMillis() / 1000.0;
        List<double[]> batches = new ArrayList<>(); // {readable at, pairs}
        double streamsFree = 0;
        double streamsBusy = 0;
        long open = -1;
        int pairs = 0;
        long late = 0;
        for (double t = next(rnd, rate, 0); t <= horizon; t = next(rnd, rate, t)) {
            double processed = Math.max(t, streamsFree) + 1 / f.streamsEventsPerS();
            streamsBusy += 1 / f.streamsEventsPerS();
            streamsFree = processed;
            long win = (long) Math.floor(t / window);
            if (processed > (win + 1) * window + grace) {
                late++; // the app reaches it after its window closed: a dead letter
                continue;
            }
            if (families > 1 && rnd.nextInt(families) != 0) {
                continue; // another family's window and trainer: alike, so only family 0's are followed
            }
            if (win != open) {
                if (pairs > 0) { // the previous window's rest, due at its end + grace
                    batches.add(new double[] {(open + 1) * window + grace + f.closeEmitS(), pairs});
                }
                open = win;
                pairs = 0;
            }
            if (++pairs == b.maxBatchPairs()) {
                batches.add(new double[] {processed + f.sizeEmitS(), pairs});
                pairs = 0;
            }
        }
        if (pairs > 0) {
            batches.add(new double[] {(open + 1) * window + grace + f.closeEmitS(), pairs});
        }
        batches.sort((x, y) -> Double.compare(x[0], y[0]));
        double free = 0;
        double busy = 0;
        double pairSum = 0;
        double[] starts = new double[batches.size()];
        Samples updates = new Samples();
        for (int i = 0; i < batches.size(); i++) {
            double[] batch = batches.get(i);
            starts[i] = Math.max(batch[0], free);
            free = starts[i] + f.batchSeconds((int) batch[1]);
            busy += Math.max(0, Math.min(free, horizon) - starts[i]);
            pairSum += batch[1];
            if (batch[0] >= horizon / 10) {
                updates.add(free - batch[0]);
            }
        }
        long backlogEnd = backlog(batches, starts, horizon);
        long backlogHalf = backlog(batches, starts, horizon / 2);
        return new PrefResult(Math.min(1, streamsBusy / horizon), late, batches.size(),
                batches.isEmpty() ? 0 : pairSum / batches.size(), busy / horizon, updates.mean(),
                updates.quantile(0.95), backlogEnd, (backlogEnd - backlogHalf) / (horizon / 2) * 3600);
    }

    /** Batches readable by time x whose training has not started by then. */
    private static long backlog(List<double[]> batches, double[] starts, double x) {
        long n = 0;
        for (int i = 0; i < starts.length; i++) {
            n += batches.get(i)[0] <= x && starts[i] > x ? 1 : 0;
        }
        return n;
    }

    private static double next(Random rnd, double rate, double t) {
        return t - Math.log(1 - rnd.nextDouble()) / rate;
    }

    private static int earliest(double[] free) {
        int best = 0;
        for (int i = 1; i < free.length; i++) {
            best = free[i] < free[best] ? i : best;
        }
        return best;
    }

    /** A growable list of doubles with mean and quantile. */
    static final class Samples {
        private double[] v = new double[1024];
        private int n;

        void add(double x) {
            if (n == v.length) {
                v = Arrays.copyOf(v, n * 2);
            }
            v[n++] = x;
        }

        double mean() {
            return n == 0 ? Double.NaN : Arrays.stream(v, 0, n).sum() / n;
        }

        double quantile(double q) {
            if (n == 0) {
                return Double.NaN;
            }
            double[] s = Arrays.copyOf(v, n);
            Arrays.sort(s);
            return s[Math.min(n - 1, (int) Math.ceil(q * n) - 1)];
        }
    }

    public static void main(String[] args) throws IOException {
        double horizon = args.length > 0 ? Double.parseDouble(args[0]) : 8 * 3600;
        double cv = args.length > 1 ? Double.parseDouble(args[1]) : 0.25;
        Figures f = Figures.load(RepoRoot.find().resolve("docs/results"));
        int k = 2;
        double target = 0.7;
        System.out.printf("Measured: %.3f s/video (1 worker, 2 cores), Streams %.0f events/s, trainer batch of 64:"
                        + " %.3f s load + %.3f s/step + %.3f s gate = %.2f s (measured %.2f s)%n",
                f.secondsPerVideo(), f.streamsEventsPerS(), f.trainerLoadS(), f.trainerStepS(), f.trainerGateS(),
                f.batchSeconds(64), f.measuredBatchS());
        System.out.printf("Simulated %.0f s per row, seed %d, K=%d videos/request, video service lognormal CV %.2f,"
                + " formula workers = ceil(N*K*s/%.1f)%n%n", horizon, SEED, k, cv, target);
        System.out.println("Generation (requests; PART = Kafka partitions own the queue, SHARED = one queue)");
        System.out.println("scenario  s/video  N/s   workers  parts  mode    formula  offered  thru/s   util  "
                + "busiest  wait_s    mean_s    p95_s");
        double p = Topics.GENERATION_REQUESTS.partitions(); // today's 6
        double[][] cpu = {{0.5, 1, p}, {0.5, 2, p}, {1, 2, p}, {1, 4, p}, {2, 4, p}, {2, 6, p}, {2, 8, p},
                {4, 8, p}, {4, 8, 2 * p}, {4, 12, 2 * p}};
        double[][] gpu = {{0.05, 4, p}, {0.1, 6, p}, {0.1, 12, p}, {0.1, 12, 2 * p}, {0.5, 40, 40}, {0.5, 40, 48},
                {1, 80, 80}};
        for (double[][] grid : new double[][][] {cpu, gpu}) {
            double sv = grid == cpu ? f.secondsPerVideo() : 26.0;
            Service request = Service.times(k, Service.lognormal(sv, cv));
            for (double[] row : grid) {
                for (boolean partitioned : new boolean[] {true, false}) {
                    if (!partitioned && row[1] <= row[2]) {
                        continue; // SHARED differs from PART only in balance; shown where workers > partitions
                    }
                    printGen(grid == cpu ? "cpu" : "a800*", sv, row, partitioned, request, k, target, horizon);
                }
            }
        }
        System.out.println("\nPreferences (per trainer: F encoder families split M evenly; every event a new pair)");
        System.out.println("M/s      F  window  max  streams  late  batches  pairs/b  trainer  upd_mean  upd_p95 "
                + " backlog  growth/h  saturates first");
        StreamsSettings d = StreamsSettings.DEFAULT;
        double[][] prefs = {{0.5, 1, 64}, {2, 1, 64}, {5, 1, 64}, {8, 1, 64}, {10, 1, 64}, {11, 1, 64},
                {12, 1, 64}, {20, 1, 64}, {12, 1, 256}, {20, 2, 64}, {40, 4, 64}, {40000, 4000, 64},
                {50000, 5000, 64}};
        for (double[] q : prefs) {
            StreamsSettings b = new StreamsSettings(q[2] > 64 ? d.window().multipliedBy(4) : d.window(), d.grace(),
                    (int) q[2], d.minConfidence(), d.videoWait(), d.dedupRetention());
            // Tens of thousands of events/s: a shorter run keeps the row to seconds of CPU.
            PrefResult r = preferences(q[0], (int) q[1], f, b, q[0] > 1000 ? 600 : horizon, SEED);
            double streams = r.streamsUtilisation();
            String first = r.trainerUtilisation() >= streams ? "trainer" : "streams";
            System.out.printf("%-6s %4.0f  %5ds  %3d  %7.5f  %4d  %7d  %7.1f  %7.3f  %8.1f  %7.1f  %7d  %8.0f  %s%s%n",
                    fmt(q[0]), q[1], b.window().toSeconds(), b.maxBatchPairs(), streams, r.late(), r.batches(),
                    r.meanPairs(), r.trainerUtilisation(), r.meanUpdate(), r.p95Update(), r.backlog(),
                    r.backlogPerHour(), first, Math.max(streams, r.trainerUtilisation()) > 0.99 ? " (saturated)" : "");
        }
    }

    private static void printGen(String scenario, double sv, double[] row, boolean partitioned, Service request,
                                 int k, double target, double horizon) {
        int workers = (int) row[1];
        int partitions = (int) row[2];
        GenResult r = generation(row[0], workers, partitions, partitioned, request, horizon, SEED);
        int formula = (int) Math.ceil(row[0] * k * sv / target);
        System.out.printf("%-8s  %7.3f  %-5s %7d  %5d  %-6s  %7d  %7.3f  %6.3f  %5.3f  %7.3f  %8.1f  %8.1f  %7.1f%s%n",
                scenario, sv, fmt(row[0]), workers, partitions, partitioned ? "PART" : "SHARED", formula, r.offered(),
                r.throughput(), r.utilisation(), r.maxUtilisation(), r.meanWait(), r.meanLatency(), r.p95Latency(),
                r.offered() >= 1 ? "  grows" : "");
    }

    private static String fmt(double x) {
        return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
    }

    private CapacitySimulation() {
    }
}
