package io.physmaster.worker;

import io.physmaster.model.ModelRuntime;
import io.physmaster.role.ConnectionOptions;
import io.physmaster.role.Roles;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code physmaster worker}: runs one GPU worker until SIGTERM/Ctrl-C, which finishes the batch in hand. */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Consume generation requests, sample videos, store them and publish GeneratedVideo events.")
public final class WorkerMain implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;
    @Option(names = "--model", description = "Checkpoint to serve (default: $PHYSMASTER_MODEL or "
            + WorkerSettings.DEFAULT_MODEL + ")")
    Path model;
    @Option(names = "--worker-id", description = "This worker's id in logs, progress events and dead letters "
            + "(default: $PHYSMASTER_WORKER_ID or worker-<pid>)")
    String workerId;
    @Option(names = "--metrics-host", description = "Interface of the Prometheus endpoint (default: "
            + "$PHYSMASTER_METRICS_HOST or 127.0.0.1; 0.0.0.0 for every interface)")
    String metricsHost;
    @Option(names = "--metrics-port", description = "Prometheus port (default: $PHYSMASTER_METRICS_PORT or 9400; "
            + "-1 = off)")
    Integer metricsPort;

    @Override
    public Integer call() throws Exception {
        ModelRuntime.setUp();
        WorkerSettings s = WorkerSettings.fromEnv(System.getenv()).withConnection(connection.settings());
        if (model != null) {
            s = s.withModel(model);
        }
        if (workerId != null) {
            s = s.withWorkerId(workerId);
        }
        if (metricsHost != null || metricsPort != null) {
            s = s.withMetrics(metricsHost != null ? metricsHost : s.metricsHost(),
                    metricsPort != null ? metricsPort : s.metricsPort());
        }
        Roles.runUntilShutdown(new GenerationWorker(s), "worker");
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new WorkerMain()).execute(args));
    }
}
