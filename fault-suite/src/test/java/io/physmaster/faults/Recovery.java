package io.physmaster.faults;

import java.util.List;
import java.util.Set;

/**
 * How fast writes came back after a broker was killed, from the acknowledgements of a {@link PacedLoad}.
 *
 * @param resumed           seconds from the kill to the first acknowledgement, on a partition the broker led, of a
 *                          write sent after its process had exited: only a new leader can acknowledge such a write
 *                          (a write the dead broker answered just before it died would show 0 s)
 * @param rateRecovered     seconds from the kill to the start of the first 1 s window (stepped by 0.1 s) whose
 *                          acknowledgements reach 80 % of the pre-kill rate after the rate first fell below it
 * @param baselinePerSecond acknowledgements per second from 2 s after the start to the kill
 */
record Recovery(double resumed, double rateRecovered, double baselinePerSecond) {

    static Recovery of(List<PacedLoad.Ack> acks, Set<String> ledByVictim, long start, long killed, long exited) {
        long from = start + 2_000_000_000L; // past the producer's first metadata round trips
        double baseline = acks.stream().filter(a -> a.at() >= from && a.at() < killed).count()
                / ((killed - from) / 1e9);
        double resumed = acks.stream().filter(a -> a.sentAt() > exited
                        && ledByVictim.contains(a.topic() + "-" + a.partition()))
                .mapToLong(a -> a.at() - killed).min().orElse(-1_000_000_000L) / 1e9;
        long last = acks.stream().mapToLong(PacedLoad.Ack::at).max().orElse(killed);
        boolean dipped = false;
        double recovered = -1;
        for (long t = killed; t + 1_000_000_000L <= last; t += 100_000_000L) {
            long lo = t;
            long n = acks.stream().filter(a -> a.at() >= lo && a.at() < lo + 1_000_000_000L).count();
            if (n < 0.8 * baseline) {
                dipped = true;
            } else if (dipped) {
                recovered = (t - killed) / 1e9;
                break;
            }
        }
        return new Recovery(resumed, dipped ? recovered : 0, baseline);
    }
}
