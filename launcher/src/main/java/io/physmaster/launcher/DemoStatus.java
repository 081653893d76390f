package io.physmaster.launcher;

import io.physmaster.console.Progress;
import io.physmaster.schemas.EncoderVersion;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The demo's live status while the loop runs: one line a person can read (redrawn on a terminal, otherwise
 * once a minute, at most fifteen for a long run), and one line that stays for each published encoder version
 * with its held-out gate figure. The estimate of what is left is the loop's: whichever of --time-limit,
 * --pairs and --versions comes first.
 */
final class DemoStatus {

    /** What the loop has done so far. */
    record Counts(int requests, int videos, long preferences, long batches, int versions) {
    }

    private final Progress progress;
    private final Duration timeLimit;
    private final int pairs;
    private final int versions;
    private final LongSupplier clock;
    private final long start;
    private final Set<String> noted = new HashSet<>();
    private int askedFor; // the version count at which the topic was last read
    private String newest = "";

    DemoStatus(PrintStream out, Duration timeLimit, int pairs, int versions) {
        this(Progress.builder("[demo] loop").out(out).every(every(timeLimit)).step(0), timeLimit, pairs, versions,
                System::nanoTime);
    }

    DemoStatus(Progress.Builder progress, Duration timeLimit, int pairs, int versions, LongSupplier clock) {
        this.progress = progress.clock(clock).build();
        this.timeLimit = timeLimit;
        this.pairs = pairs;
        this.versions = versions;
        this.clock = clock;
        this.start = clock.getAsLong();
    }

    /** Plain lines: one a minute, or fifteen in all for a longer run, so a log file stays readable. */
    static Duration every(Duration timeLimit) {
        Duration fifteenth = timeLimit.dividedBy(15);
        return fifteenth.compareTo(Duration.ofMinutes(1)) > 0 ? fifteenth : Duration.ofMinutes(1);
    }

    /** Updates the status; {@code published} is asked only when a new version appeared. */
    void update(Counts c, Supplier<List<EncoderVersion>> published) {
        noteNewVersions(c, published, false);
        progress.fraction(fraction(c, clock.getAsLong()), summary(c) + newest);
    }

    /** The loop's last line: what it did, and that the evaluation starts. */
    void done(Counts c, Supplier<List<EncoderVersion>> published, int evalScenes) {
        noteNewVersions(c, published, true);
        progress.done(summary(c) + String.format(Locale.ROOT, "; evaluating each version on %d held-out scenes ...",
                evalScenes));
    }

    private static String summary(Counts c) {
        return String.format(Locale.ROOT, "%d requests, %d videos, %d preferences, %d batches, %d versions",
                c.requests(), c.videos(), c.preferences(), c.batches(), c.versions());
    }

    /**
     * A line for each version not noted yet (the base, without a parent, is not one of them); the topic is read
     * once per new version count, and once more at the end.
     */
    private void noteNewVersions(Counts c, Supplier<List<EncoderVersion>> published, boolean last) {
        if (c.versions() <= noted.size() || !last && c.versions() <= askedFor) {
            return;
        }
        askedFor = c.versions();
        for (EncoderVersion v : published.get()) {
            if (v.getParent() != null && noted.add(v.getVersion())) {
                progress.note("[demo] " + describe(v));
                newest = newestFigure(v);
            }
        }
    }

    /** A line that stays (above the status line on a terminal). */
    void note(String line) {
        progress.note(line);
    }

    /** How far the loop is towards whichever stop comes first. */
    double fraction(Counts c, long nowNanos) {
        double f = timeLimit.isZero() ? 0 : (nowNanos - start) / (double) timeLimit.toNanos();
        if (pairs > 0) {
            f = Math.max(f, (double) c.preferences() / pairs);
        }
        if (versions > 0) {
            f = Math.max(f, (double) c.versions() / versions);
        }
        return Math.min(1, f);
    }

    /** e.g. {@code encoder online-0003-w74 published (70 pairs): judge score vs base -2.3 % [-5.1, +0.3] (24 held-out scenes)}. */
    static String describe(EncoderVersion v) {
        Map<String, Double> e = v.getEvaluationFigures();
        Double pairsSeen = v.getTrainingFigures().get("replay_pairs");
        String head = "encoder " + v.getVersion() + " published"
                + (pairsSeen == null ? "" : String.format(Locale.ROOT, " (%.0f pairs)", pairsSeen));
        String figure = interval(e);
        return figure == null ? head : head + ": judge score vs base " + figure
                + String.format(Locale.ROOT, " (%.0f held-out scenes)", e.getOrDefault("gate_scenes", 0.0));
    }

    private static String newestFigure(EncoderVersion v) {
        String figure = interval(v.getEvaluationFigures());
        return figure == null ? "" : ", newest: judge " + figure + " vs base";
    }

    /** The gate's change against the anchor (the base model) with its 95 % interval, or null without one. */
    private static String interval(Map<String, Double> e) {
        Double c = e.get("change_vs_anchor");
        Double lo = e.get("change_vs_anchor_low");
        Double hi = e.get("change_vs_anchor_high");
        return c == null || lo == null || hi == null ? null
                : String.format(Locale.ROOT, "%+.1f %% [%+.1f, %+.1f]", 100 * c, 100 * lo, 100 * hi);
    }
}
