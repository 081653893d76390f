package io.physmaster.annotate;

import io.physmaster.client.ClientSettings;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code physmaster annotator}: the annotators' web page, until SIGTERM/Ctrl-C. */
@Command(name = "annotator", mixinStandardHelpOptions = true,
        description = "Serve the web page where people say which of two generated videos is more physical.")
public final class AnnotatorMain implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "8088") int port;
    @Option(names = "--tokens", description = "name:token,... (default $PHYSMASTER_ANNOTATOR_TOKENS; else one generated token)")
    String tokens;

    @Override
    public Integer call() throws Exception {
        String spec = tokens != null ? tokens : System.getenv("PHYSMASTER_ANNOTATOR_TOKENS");
        if (spec == null || spec.isBlank()) {
            spec = "annotator:" + UUID.randomUUID().toString().substring(0, 8);
        }
        Map<String, String> byToken = AnnotatorServer.parseTokens(spec);
        AnnotatorServer server = new AnnotatorServer(ClientSettings.fromEnv(System.getenv()), byToken, port);
        for (var e : byToken.entrySet()) {
            System.out.printf("annotator %s: http://localhost:%d/?token=%s%n", e.getValue(), server.port(), e.getKey());
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
