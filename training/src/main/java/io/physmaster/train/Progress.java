package io.physmaster.train;

import java.io.PrintStream;

/** A one-line progress report: step, loss (smoothed), steps/s, ETA. */
final class Progress {

    private final String what;
    private final long total;
    private final long start;
    private final long firstStep;
    private final PrintStream out;
    private double ema = Double.NaN;

    Progress(String what, long firstStep, long total, PrintStream out) {
        this.what = what;
        this.total = total;
        this.firstStep = firstStep;
        this.start = System.nanoTime();
        this.out = out;
    }

    double update(long step, double loss) {
        ema = Double.isNaN(ema) ? loss : 0.95 * ema + 0.05 * loss;
        return ema;
    }

    void print(long step, String extra) {
        double secs = (System.nanoTime() - start) / 1e9;
        double rate = (step - firstStep) / Math.max(secs, 1e-9);
        long etaS = rate > 0 ? (long) ((total - step) / rate) : 0;
        int width = 24;
        int filled = (int) (width * step / Math.max(1, total));
        out.printf("%s [%s%s] step %d/%d  loss %.4f  %.2f steps/s  ETA %dm%02ds%s%n", what, "#".repeat(filled),
                " ".repeat(width - filled), step, total, ema, rate, etaS / 60, etaS % 60, extra);
        out.flush();
    }

    double smoothed() {
        return ema;
    }
}
