package io.physmaster.console;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Live progress of a long command. On a terminal ({@link Mode#LINE}) one status line is redrawn in place with
 * {@code \r}; otherwise ({@link Mode#PLAIN}: a log file, a pipe, CI) a plain line is printed only every
 * {@code every} (30 s) or at each {@code step} of the work (10 %), so an hour's run stays a few dozen lines.
 * A line reads {@code what [#####.....] 120/1000 (12 %)  detail  3m05s, ~21m left}; the estimate comes from the
 * pace since the first update. Thread-safe; the clock and stream are injectable for tests.
 */
public final class Progress {

    /** How progress is shown. */
    public enum Mode {
        /** A status line redrawn in place (a terminal). */
        LINE,
        /** Plain lines at a bounded rate (a file, a pipe). */
        PLAIN
    }

    private static final int BAR = 20;

    private final String what;
    private final long total;
    private final PrintStream out;
    private final Mode mode;
    private final LongSupplier clock;
    private final long everyNanos;
    private final double step;
    private final long redrawNanos;
    private final int width;
    private final long start;
    private double firstFraction = Double.NaN;
    private long firstAt; // when firstFraction was seen: the pace counts from there, not from start
    private long lastPrint;
    private double lastPrintedFraction;
    private String status = ""; // the status line on screen (LINE mode), "" when none
    private boolean finished;

    private Progress(Builder b) {
        this.what = b.what;
        this.total = b.total;
        this.out = b.out;
        this.mode = b.mode;
        this.clock = b.clock;
        this.everyNanos = b.every.toNanos();
        this.step = b.step;
        this.redrawNanos = b.redraw.toNanos();
        this.width = b.width;
        this.start = clock.getAsLong();
        this.lastPrint = start;
        this.lastPrintedFraction = 0;
    }

    /** Progress of {@code total} units of work (0: unknown) on standard output, in the detected mode. */
    public static Progress start(String what, long total) {
        return builder(what).total(total).build();
    }

    public static Builder builder(String what) {
        return new Builder(what);
    }

    /**
     * {@code PHYSMASTER_PROGRESS} (or {@code -Dphysmaster.progress}) = {@code line} or {@code plain} decides;
     * otherwise a redrawn line when the process has a terminal.
     */
    public static Mode detect() {
        String forced = System.getProperty("physmaster.progress", System.getenv("PHYSMASTER_PROGRESS"));
        if (forced != null && !forced.isBlank() && !forced.equalsIgnoreCase("auto")) {
            return forced.equalsIgnoreCase("line") ? Mode.LINE : Mode.PLAIN;
        }
        return System.console() != null ? Mode.LINE : Mode.PLAIN;
    }

    public Mode mode() {
        return mode;
    }

    /** {@code done} units of {@code total} finished. */
    public synchronized void update(long done, String detail) {
        double f = total > 0 ? Math.min(1, (double) done / total) : Double.NaN;
        show(f, (total > 0 ? done + "/" + total : Long.toString(done)), detail);
    }

    /** A fraction of the work in [0, 1] (NaN: unknown), for work that is not a count of units. */
    public synchronized void fraction(double f, String detail) {
        show(Double.isNaN(f) ? f : Math.max(0, Math.min(1, f)), null, detail);
    }

    /** A line that stays (an event worth keeping); on a terminal the status line is redrawn below it. */
    public synchronized void note(String line) {
        if (mode == Mode.LINE && !status.isEmpty()) {
            out.print("\r" + " ".repeat(status.length()) + "\r");
            out.println(line);
            out.print(status);
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** The final line, always printed (the status line on a terminal is replaced by it). */
    public synchronized void done(String summary) {
        if (finished) {
            return;
        }
        finished = true;
        String line = what + " done in " + duration(elapsed(clock.getAsLong())) + (summary.isEmpty() ? "" : "  " + summary);
        if (mode == Mode.LINE && !status.isEmpty()) {
            out.print("\r" + " ".repeat(status.length()) + "\r");
            out.println(line);
        } else {
            out.println(line);
        }
        status = "";
        out.flush();
    }

    private void show(double f, String count, String detail) {
        long now = clock.getAsLong();
        if (Double.isNaN(firstFraction) && !Double.isNaN(f)) {
            firstFraction = f;
            firstAt = now;
            lastPrintedFraction = f;
        }
        if (finished || !due(now, f)) {
            return;
        }
        lastPrint = now;
        if (!Double.isNaN(f)) {
            lastPrintedFraction = f;
        }
        String line = render(now, f, count, detail);
        if (mode == Mode.LINE) {
            line = line.length() >= width ? line.substring(0, width - 1) : line;
            out.print("\r" + pad(line, status.length()));
            status = line;
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** LINE: at most one redraw per {@code redraw}; PLAIN: every {@code every} or at each {@code step}. */
    private boolean due(long now, double f) {
        if (mode == Mode.LINE) {
            return status.isEmpty() || now - lastPrint >= redrawNanos;
        }
        boolean crossed = !Double.isNaN(f) && step > 0
                && Math.floor(f / step + 1e-9) > Math.floor(lastPrintedFraction / step + 1e-9);
        return crossed || now - lastPrint >= everyNanos;
    }

    String render(long now, double f, String count, String detail) {
        StringBuilder s = new StringBuilder(what);
        if (!Double.isNaN(f)) {
            int filled = (int) Math.round(BAR * f);
            s.append(" [").append("#".repeat(filled)).append(".".repeat(BAR - filled)).append(']');
        }
        if (count != null) {
            s.append(' ').append(count);
        }
        if (!Double.isNaN(f)) {
            s.append(String.format(Locale.ROOT, " (%d %%)", (int) Math.floor(100 * f + 1e-9)));
        }
        if (detail != null && !detail.isEmpty()) {
            s.append("  ").append(detail);
        }
        double secs = elapsed(now);
        s.append("  ").append(duration(secs));
        double left = secondsLeft((now - firstAt) / 1e9, f);
        if (!Double.isNaN(left)) {
            s.append(", ~").append(duration(left)).append(" left");
        }
        return s.toString();
    }

    /** From the pace since the first update ({@code since}: seconds from it): NaN until there is a pace. */
    private double secondsLeft(double since, double f) {
        if (Double.isNaN(f) || Double.isNaN(firstFraction) || f <= firstFraction || since <= 0) {
            return Double.NaN;
        }
        return since * (1 - f) / (f - firstFraction);
    }

    private double elapsed(long now) {
        return (now - start) / 1e9;
    }

    private static String pad(String line, int previous) {
        return line.length() >= previous ? line : line + " ".repeat(previous - line.length());
    }

    /** 42s, 3m05s, 1h02m. */
    public static String duration(double seconds) {
        long s = Math.round(Math.max(0, seconds));
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    /** Knobs; defaults: unknown total, standard output, detected mode, every 30 s or 10 % when plain. */
    public static final class Builder {
        private final String what;
        private long total;
        private PrintStream out = System.out;
        private Mode mode = detect();
        private LongSupplier clock = System::nanoTime;
        private Duration every = Duration.ofSeconds(30);
        private double step = 0.1;
        private Duration redraw = Duration.ofMillis(250);
        private int width = columns();

        private Builder(String what) {
            this.what = what;
        }

        public Builder total(long total) {
            this.total = total;
            return this;
        }

        public Builder out(PrintStream out) {
            this.out = out;
            return this;
        }

        public Builder mode(Mode mode) {
            this.mode = mode;
            return this;
        }

        /** Nanoseconds, like {@link System#nanoTime()}. */
        public Builder clock(LongSupplier clock) {
            this.clock = clock;
            return this;
        }

        /** PLAIN mode: at least one line this often. */
        public Builder every(Duration every) {
            this.every = every;
            return this;
        }

        /** PLAIN mode: a line each time the work crosses a multiple of this fraction (0: time only). */
        public Builder step(double step) {
            this.step = step;
            return this;
        }

        /** LINE mode: terminal width the status line is cut to, so it never wraps. */
        public Builder width(int width) {
            this.width = Math.max(20, width);
            return this;
        }

        public Progress build() {
            return new Progress(this);
        }

        /** {@code COLUMNS} when the shell exports it (the launcher does), else a width most terminals have. */
        private static int columns() {
            try {
                String c = System.getenv("COLUMNS");
                return c == null ? 100 : Math.max(20, Integer.parseInt(c.trim()));
            } catch (NumberFormatException e) {
                return 100;
            }
        }
    }
}
