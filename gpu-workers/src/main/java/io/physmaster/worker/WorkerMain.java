package io.physmaster.worker;

import io.physmaster.model.ModelRuntime;
import io.physmaster.role.ConnectionOptions;
import io.physmaster.role.MetricsEndpoint;
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
    @Option(names = "--metrics-host", description = MetricsEndpoint.HOST_HELP
            + WorkerSettings.ENV_METRICS_HOST + " when set", defaultValue = "${env:" + WorkerSettings.ENV_METRICS_HOST
            + ":-${env:PHYSMASTER_METRICS_HOST:-" + MetricsEndpoint.DEFAULT_HOST + "}}")
    String metricsHost;
    @Option(names = "--metrics-port", description = MetricsEndpoint.PORT_HELP
            + WorkerSettings.ENV_METRICS_PORT + " when set", defaultValue = "${env:" + WorkerSettings.ENV_METRICS_PORT
            + ":-${env:PHYSMASTER_METRICS_PORT:-" + WorkerMetrics.DEFAULT_PORT + "}}")
    int metricsPort;

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
        s = s.withMetrics(metricsHost, metricsPort);
        Roles.runUntilShutdown(new GenerationWorker(s), "worker");
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new WorkerMain()).execute(args));
    }
}
