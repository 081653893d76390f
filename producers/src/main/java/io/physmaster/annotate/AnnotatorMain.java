package io.physmaster.annotate;

import io.physmaster.client.ClientSettings;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code physmaster annotator}: the annotators' web page, until SIGTERM/Ctrl-C. */
@Command(name = "annotator", mixinStandardHelpOptions = true,
        description = "Serve the web page where people say which of two generated videos is more physical. "
                + "Kafka, registry and blob store come from the PHYSMASTER_* variables (see the README).")
public final class AnnotatorMain implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "8088", description = "Port of the page (default: ${DEFAULT-VALUE})")
    int port;
    @Option(names = "--host", description = "Address to listen on (default $PHYSMASTER_ANNOTATOR_HOST, else "
            + AnnotatorServer.DEFAULT_HOST + "; 0.0.0.0 for every interface)")
    String host;
    @Option(names = "--tokens", description = "name:token,... (default $PHYSMASTER_ANNOTATOR_TOKENS; else one generated token)")
    String tokens;
    @Option(names = "--dashboard", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Serve the live dashboard at /dashboard with the same tokens; --no-dashboard turns it off "
                    + "(default: ${DEFAULT-VALUE})")
    boolean dashboard;
    @Option(names = "--dashboard-group", paramLabel = "ROLE=GROUP",
            description = "Consumer group whose lag the dashboard shows for a role; repeatable (defaults: worker="
                    + "physmaster-workers, streams=physmaster-preference-batcher, trainer=physmaster-dpo-trainer, "
                    + "judge=physmaster-judge)")
    Map<String, String> dashboardGroups = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        String spec = tokens != null ? tokens : System.getenv("PHYSMASTER_ANNOTATOR_TOKENS");
        boolean generated = spec == null || spec.isBlank();
        Map<String, String> byToken = generated ? AnnotatorTokens.generate("annotator") : AnnotatorTokens.parse(spec);
        String env = System.getenv("PHYSMASTER_ANNOTATOR_HOST");
        String listen = host != null ? host : env != null && !env.isBlank() ? env.trim() : AnnotatorServer.DEFAULT_HOST;
        DashboardSettings board = DashboardSettings.defaults();
        for (var g : dashboardGroups.entrySet()) {
            board = board.withGroup(g.getKey(), g.getValue());
        }
        AnnotatorServer server = new AnnotatorServer(ClientSettings.fromEnv(System.getenv()), byToken, listen, port,
                dashboard ? board : board.disabled());
        if (generated) {
            // Printed once, here only: configured tokens are the operator's to hand out.
            System.out.println("annotator page (sign-in URL with a generated token): " + server.signInUrl("annotator"));
            if (dashboard) {
                System.out.println("live dashboard (same token): " + server.dashboardUrl("annotator"));
            }
        } else {
            System.out.printf("annotator page on %s:%d for %s (open /?token=<your token>%s)%n", listen, server.port(),
                    String.join(", ", byToken.values()), dashboard ? "; dashboard: /dashboard?token=<your token>" : "");
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stop.countDown();
        }, "annotator-shutdown"));
        stop.await();
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new AnnotatorMain()).execute(args));
    }
}
