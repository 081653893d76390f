package io.physmaster.worker;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code physmaster worker}: runs one GPU worker until SIGTERM/Ctrl-C, which finishes the batch in hand. */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Consume generation requests, sample videos, store them and publish GeneratedVideo events.")
public final class WorkerMain implements Callable<Integer> {

    @Option(names = "--model", description = "Checkpoint to serve (default $PHYSMASTER_MODEL or models/stage1.pmck)")
    Path model;
    @Option(names = "--worker-id") String workerId;
    @Option(names = "--metrics-port", description = "Prometheus port (default 9400; -1 = off)") Integer metricsPort;

    @Override
    public Integer call() throws Exception {
        WorkerSettings s = WorkerSettings.fromEnv(System.getenv());
        if (model != null) {
            s = s.withModel(model);
        }
        if (workerId != null) {
            s = s.withWorkerId(workerId);
        }
        if (metricsPort != null) {
            s = s.withMetricsPort(metricsPort);
        }
        GenerationWorker worker = new GenerationWorker(s);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.stop();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            worker.close();
        }, "worker-shutdown"));
        try {
            worker.run();
        } finally {
            done.countDown();
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new WorkerMain()).execute(args));
    }
}
