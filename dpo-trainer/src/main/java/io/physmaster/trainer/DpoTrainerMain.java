package io.physmaster.trainer;

import io.physmaster.model.ModelRuntime;
import io.physmaster.role.ConnectionOptions;
import io.physmaster.role.MetricsEndpoint;
import io.physmaster.role.Roles;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code physmaster trainer}: the online DPO trainer, until SIGTERM/Ctrl-C. */
@Command(name = "trainer", mixinStandardHelpOptions = true,
        description = "Consume preference batches, run Flow-DPO on the physical head, gate, publish encoder versions."
                + " Training knobs come from PHYSMASTER_DPO_* variables (see the README).")
public final class DpoTrainerMain implements Callable<Integer> {

    static final int DEFAULT_METRICS_PORT = 9402;
    static final String ENV_METRICS_HOST = "PHYSMASTER_TRAINER_METRICS_HOST";
    static final String ENV_METRICS_PORT = "PHYSMASTER_TRAINER_METRICS_PORT";

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--metrics-host", description = MetricsEndpoint.HOST_HELP + ENV_METRICS_HOST + " when set",
            defaultValue = "${env:" + ENV_METRICS_HOST + ":-" + MetricsEndpoint.DEFAULT_HOST + "}")
    String metricsHost;

    @Option(names = "--metrics-port", description = MetricsEndpoint.PORT_HELP + ENV_METRICS_PORT + " when set",
            defaultValue = "${env:" + ENV_METRICS_PORT + ":-" + DEFAULT_METRICS_PORT + "}")
    int metricsPort;

    @Override
    public Integer call() throws Exception {
        ModelRuntime.setUp();
        try (MetricsEndpoint metrics = MetricsEndpoint.start("trainer", metricsHost, metricsPort)) {
            DpoTrainer trainer = new DpoTrainer(DpoTrainerSettings.fromEnv(System.getenv())
                    .with(connection.settings()), metrics.registry());
            System.out.println("DPO trainer running");
            Roles.runUntilShutdown(trainer, "trainer");
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new DpoTrainerMain()).execute(args));
    }
}
