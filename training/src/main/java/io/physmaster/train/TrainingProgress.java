package io.physmaster.train;

import java.io.PrintStream;

/**
 * A training run's progress: the shared console progress ({@link io.physmaster.console.Progress}: a redrawn
 * line on a terminal, a line every 30 s or 10 % otherwise) with the loss smoothed and the step rate.
 */
final class TrainingProgress {

    private final io.physmaster.console.Progress shown;
    private final long start = System.nanoTime();
    private final long firstStep;
    private double ema = Double.NaN;

    TrainingProgress(String what, long firstStep, long total, PrintStream out) {
        this.firstStep = firstStep;
        this.shown = io.physmaster.console.Progress.builder(what).total(total).out(out).build();
    }

    double update(long step, double loss) {
        ema = Double.isNaN(ema) ? loss : 0.95 * ema + 0.05 * loss;
        return ema;
    }

    void print(long step, String extra) {
        double rate = (step - firstStep) / Math.max((System.nanoTime() - start) / 1e9, 1e-9);
        shown.update(step, String.format(java.util.Locale.ROOT, "loss %.4f  %.2f steps/s%s", ema, rate, extra));
    }

    /** A line that stays (the status line on a terminal is redrawn below it). */
    void note(String line) {
        shown.note(line);
    }

    /** Ends the status line with the final figures. */
    void done(String summary) {
        shown.done(String.format(java.util.Locale.ROOT, "loss %.4f%s", ema, summary));
    }

    double smoothed() {
        return ema;
    }
}
