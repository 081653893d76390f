package io.physmaster.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.launcher.CapacitySimulation.GenResult;
import io.physmaster.launcher.CapacitySimulation.Service;
import org.junit.jupiter.api.Test;

/** The queue simulation against queueing theory, so the capacity table in docs/SCALING.md can be trusted. */
class CapacitySimulationTest {

    private static final Service EXP1 = Service.exponential(1.0);

    /** Erlang C: the mean wait in queue of M/M/c with arrival rate lambda and service rate mu. */
    static double erlangCWait(int c, double lambda, double mu) {
        double a = lambda / mu;
        double rho = a / c;
        double term = 1;
        double sum = 0;
        for (int k = 0; k < c; k++) {
            sum += term; // a^k / k!
            term *= a / (k + 1);
        }
        double last = term / (1 - rho); // a^c / c! / (1 - rho)
        double probWait = last / (sum + last);
        return probWait / (c * mu - lambda);
    }

    @Test
    void sharedQueueMatchesErlangC() {
        int c = 4;
        for (double rho : new double[] {0.5, 0.8}) {
            double lambda = rho * c;
            GenResult r = CapacitySimulation.generation(lambda, c, c, false, EXP1, 1_000_000 / lambda,
                    CapacitySimulation.SEED);
            double expected = erlangCWait(c, lambda, 1.0);
            assertEquals(expected, r.meanWait(), 0.04 * expected, "M/M/4 mean wait at utilisation " + rho);
            assertEquals(rho, r.utilisation(), 0.02, "utilisation");
        }
    }

    @Test
    void partitionsMakeEachWorkerItsOwnMM1Queue() {
        // Random keys split a Poisson stream into independent Poisson streams: one M/M/1 queue per worker.
        int c = 4;
        for (double rho : new double[] {0.5, 0.8}) {
            GenResult r = CapacitySimulation.generation(rho * c, c, c, true, EXP1, 1_000_000 / (rho * c),
                    CapacitySimulation.SEED);
            double expected = rho / (1 - rho);
            assertEquals(expected, r.meanWait(), 0.05 * expected, "M/M/1 mean wait at utilisation " + rho);
            assertTrue(r.meanWait() > erlangCWait(c, rho * c, 1.0), "a partitioned group waits longer than one queue");
        }
    }

    @Test
    void workersBeyondThePartitionCountAddNoThroughput() {
        int partitions = 3;
        double overload = 10; // requests/s, far above what 3 or 6 workers serve (1 request/s each)
        double horizon = 20_000;
        double two = throughput(overload, 2, partitions, true, horizon);
        double three = throughput(overload, 3, partitions, true, horizon);
        double six = throughput(overload, 6, partitions, true, horizon);
        assertEquals(2.0, two, 0.05, "2 workers serve 2 requests/s");
        assertEquals(3.0, three, 0.05, "3 workers on 3 partitions serve 3 requests/s");
        assertEquals(three, six, 0.01 * three, "3 more workers without partitions stay idle");
        assertEquals(6.0, throughput(overload, 6, partitions, false, horizon), 0.1, "one shared queue would use them");
        GenResult idle = CapacitySimulation.generation(overload, 6, partitions, true, EXP1, horizon, 1);
        assertEquals(0.5, idle.utilisation(), 0.02, "half of the six workers never get a record");
    }

    private static double throughput(double rate, int workers, int partitions, boolean partitioned, double horizon) {
        return CapacitySimulation.generation(rate, workers, partitions, partitioned, EXP1, horizon,
                CapacitySimulation.SEED).throughput();
    }
}
