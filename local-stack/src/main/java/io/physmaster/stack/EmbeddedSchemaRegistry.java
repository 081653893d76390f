package io.physmaster.stack;

import io.physmaster.serde.RegistryClientConfig;
import io.physmaster.serde.RestSchemaRegistryClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Apicurio Registry 2.4.2 (built by the schema-registry module) as a child JVM, serving the Confluent REST API
 * at {@code /apis/ccompat/v7}. Schemas are kept in an H2 file under the data directory, so records written
 * before a restart stay readable. Compatibility is set to BACKWARD (Apicurio's default is NONE), globally and on
 * every topic's subject. In the secured profile Apicurio listens on a free loopback port of its own and the
 * registry port belongs to a {@link RegistryFront} that requires a role's credentials.
 */
final class EmbeddedSchemaRegistry implements AutoCloseable {

    static final String CCOMPAT_PATH = "/apis/ccompat/v7";

    private final ChildJvm jvm;
    private String baseUrl;
    private RegistryFront front;

    private EmbeddedSchemaRegistry(ChildJvm jvm, String baseUrl) {
        this.jvm = jvm;
        this.baseUrl = baseUrl;
    }

    static EmbeddedSchemaRegistry start(Path dataDir, int port, Duration timeout)
            throws IOException, InterruptedException {
        return start(dataDir, port, timeout, null);
    }

    /**
     * @param users for the secured profile, each user's password (HTTP basic auth at the registry port); null
     *              for an open registry
     */
    static EmbeddedSchemaRegistry start(Path dataDir, int port, Duration timeout, Map<String, String> users)
            throws IOException, InterruptedException {
        Path jar = runnerJar(RepoRoot.find().resolve("schema-registry/target"));
        if (port != 0 && Ports.inUse(port)) {
            throw new IOException("Port " + port + " is already in use; pick another with --registry-port");
        }
        int httpPort = port == 0 || users != null ? Ports.free() : port;
        Path db = dataDir.resolve("registry-db").toAbsolutePath();
        Files.createDirectories(db);
        List<String> jvmArgs = List.of("-Xms64m", "-Xmx320m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + httpPort,
                "-Dquarkus.datasource.jdbc.url=jdbc:h2:file:" + db.resolve("registry"),
                // The registry defaults to a 20-connection pool; one local client needs two.
                "-Dquarkus.datasource.jdbc.min-size=2",
                "-Dquarkus.datasource.jdbc.initial-size=2",
                "-Dquarkus.log.level=WARN");
        ChildJvm jvm = ChildJvm.start("schema-registry", jvmArgs, List.of("-jar", jar.toString()),
                dataDir.resolve("schema-registry.log"));
        String root = "http://127.0.0.1:" + httpPort;
        EmbeddedSchemaRegistry registry = new EmbeddedSchemaRegistry(jvm, root + CCOMPAT_PATH);
        try {
            registry.awaitReady(root, timeout);
            try (var client = new RestSchemaRegistryClient(
                    RegistryClientConfig.from(Map.of(RegistryClientConfig.URL, registry.baseUrl)))) {
                TopicProvisioner.ensureCompatibility(client);
            }
            if (users != null) {
                registry.front = RegistryFront.start(port, root, users);
                registry.baseUrl = "http://127.0.0.1:" + registry.front.port() + CCOMPAT_PATH;
            }
        } catch (IOException | RuntimeException e) {
            registry.close();
            throw e;
        }
        return registry;
    }

    /** The Quarkus runner jar the schema-registry module builds (its libraries sit in lib/ beside it). */
    static Path runnerJar(Path targetDir) throws IOException {
        if (Files.isDirectory(targetDir)) {
            try (var files = Files.list(targetDir)) {
                var jar = files.filter(f -> f.getFileName().toString().endsWith("-runner.jar")).findFirst();
                if (jar.isPresent()) {
                    return jar.get();
                }
            }
        }
        throw new IOException("Schema registry not built: no *-runner.jar in " + targetDir + ". Run `mvn -B install "
                + "-DskipTests` in the repository root first (the first build downloads ~190 MB).");
    }

    private void awaitReady(String root, Duration timeout) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create(root + "/health/ready"))
                .timeout(Duration.ofSeconds(2)).build();
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!jvm.isAlive()) {
                throw new IOException("Schema registry exited during startup:\n" + jvm.logTail(30));
            }
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IOException("Schema registry not ready within " + timeout + "; log: " + jvm.logFile() + "\n"
                + jvm.logTail(30));
    }

    /** Confluent-API base URL, e.g. http://127.0.0.1:8081/apis/ccompat/v7. */
    String url() {
        return baseUrl;
    }

    long pid() {
        return jvm.pid();
    }

    @Override
    public void close() {
        if (front != null) {
            front.close();
        }
        jvm.close();
    }
}
