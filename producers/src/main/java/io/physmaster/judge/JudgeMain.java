package io.physmaster.judge;

import io.physmaster.client.ClientSettings;
import io.physmaster.role.MetricsEndpoint;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code physmaster judge}: the physics judge as a preference source, until SIGTERM/Ctrl-C. */
@Command(name = "judge", mixinStandardHelpOptions = true,
        description = "Judge finished proxy-task videos against the simulator and publish JUDGE preference events. "
                + "Kafka, registry and blob store come from the PHYSMASTER_* variables (see the README).")
public final class JudgeMain implements Callable<Integer> {

    @Option(names = "--samples", defaultValue = "2",
            description = "Judge a request once it has this many videos (default: ${DEFAULT-VALUE})")
    int samples;
    @Option(names = "--quiet", defaultValue = "PT10S", paramLabel = "DURATION", description = "Or judge it once no new "
            + "sample arrived for this long, ISO-8601 (default: ${DEFAULT-VALUE})")
    Duration quiet;
    @Option(names = "--min-margin", defaultValue = "0.01", description = "Smallest judge-score gap between the best "
            + "and the worst video that makes a preference (default: ${DEFAULT-VALUE})")
    double minMargin;
    @Option(names = "--group", defaultValue = "physmaster-judge", description = "Kafka consumer group; judges in one "
            + "group split the requests between them (default: ${DEFAULT-VALUE})")
    String group;

    static final String ENV_METRICS_HOST = "PHYSMASTER_JUDGE_METRICS_HOST";
    static final String ENV_METRICS_PORT = "PHYSMASTER_JUDGE_METRICS_PORT";

    @Option(names = "--metrics-host", description = MetricsEndpoint.HOST_HELP + ENV_METRICS_HOST + " when set",
            defaultValue = "${env:" + ENV_METRICS_HOST + ":-" + MetricsEndpoint.DEFAULT_HOST + "}")
    String metricsHost;
    @Option(names = "--metrics-port", description = MetricsEndpoint.PORT_HELP + ENV_METRICS_PORT + " when set",
            defaultValue = "${env:" + ENV_METRICS_PORT + ":-" + JudgeMetrics.DEFAULT_PORT + "}")
    int metricsPort;

    @Override
    public Integer call() throws Exception {
        MetricsEndpoint metrics = MetricsEndpoint.start("judge", metricsHost, metricsPort);
        JudgeSource source = new JudgeSource(ClientSettings.fromEnv(System.getenv()), group, samples, quiet, minMargin,
                new JudgeMetrics(metrics.registry()));
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            source.stop();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "judge-shutdown"));
        System.out.println("physics judge running");
        try {
            source.run();
        } finally {
            source.close();
            metrics.close();
            done.countDown();
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new JudgeMain()).execute(args));
    }
}
