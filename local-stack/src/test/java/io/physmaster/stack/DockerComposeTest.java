package io.physmaster.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Docker cannot run on the CI machines, so this checks docker-compose.yml against the repository: every
 * build context and Dockerfile exists, every role our services run is a command of the physmaster script,
 * every port our services publish is one our code or Dockerfiles use, and workers reserve GPUs.
 */
class DockerComposeTest {

    static final Path ROOT = RepoRoot.find();

    static JsonNode compose() throws IOException {
        return new ObjectMapper(new YAMLFactory()).readTree(ROOT.resolve("docker-compose.yml").toFile());
    }

    /** Roles the physmaster script dispatches ("stack)", "worker)" ... in its case statement). */
    static Set<String> scriptRoles() throws IOException {
        Set<String> roles = new HashSet<>();
        Matcher m = Pattern.compile("(?m)^  ([a-z-]+)\\)\\s*run ").matcher(Files.readString(ROOT.resolve("physmaster")));
        while (m.find()) {
            roles.add(m.group(1));
        }
        return roles;
    }

    @Test
    void infrastructureAndRolesArePresent() throws IOException {
        JsonNode services = compose().get("services");
        for (String required : List.of("kafka", "schema-registry", "minio", "topics", "worker")) {
            assertTrue(services.has(required), "service " + required);
        }
    }

    @Test
    void buildContextsAndDockerfilesExist() throws IOException {
        int built = 0;
        for (var it = compose().get("services").fields(); it.hasNext(); ) {
            var e = it.next();
            JsonNode build = e.getValue().get("build");
            if (build == null) {
                continue;
            }
            Path context = ROOT.resolve(build.get("context").asText()).normalize();
            assertTrue(Files.isDirectory(context), e.getKey() + ": context " + context);
            Path dockerfile = context.resolve(build.path("dockerfile").asText("Dockerfile"));
            assertTrue(Files.isRegularFile(dockerfile), e.getKey() + ": " + dockerfile);
            // The entry point our images run must exist too.
            String text = Files.readString(dockerfile);
            if (text.contains("/opt/physmaster/physmaster")) {
                assertTrue(Files.isExecutable(ROOT.resolve("physmaster")), "physmaster script");
            }
            built++;
        }
        assertTrue(built >= 3, "our images are built from this repository");
    }

    @Test
    void everyRoleIsACommandOfThePhysmasterScript() throws IOException {
        Set<String> roles = scriptRoles();
        assertTrue(roles.containsAll(List.of("stack", "topics", "worker")), roles.toString());
        for (var it = compose().get("services").fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getValue().has("build") && e.getValue().has("command")
                    && !e.getValue().path("build").path("dockerfile").asText().contains("registry")) {
                String role = e.getValue().get("command").get(0).asText();
                assertTrue(roles.contains(role), e.getKey() + " runs unknown role '" + role + "'");
            }
        }
    }

    @Test
    void publishedPortsAreOnesTheCodeUses() throws IOException {
        String sources;
        try (Stream<Path> files = Files.walk(ROOT)) {
            StringBuilder all = new StringBuilder();
            for (Path p : files.filter(f -> !f.toString().contains("/target/") && !f.toString().contains("/.git/")
                    && (f.toString().endsWith(".java") || f.toString().endsWith("Dockerfile"))).toList()) {
                all.append(Files.readString(p));
            }
            sources = all.toString();
        }
        for (var it = compose().get("services").fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().has("build") || !e.getValue().has("ports")) {
                continue;
            }
            for (JsonNode port : e.getValue().get("ports")) {
                String spec = port.asText();
                String container = spec.substring(spec.lastIndexOf(':') + 1);
                assertTrue(sources.contains(container), e.getKey() + " publishes " + container
                        + ", which no Dockerfile or source in the repository uses");
            }
        }
    }

    @Test
    void prometheusScrapesEveryRoleOnItsDefaultPortAndEachListensBeyondItsContainer() throws IOException {
        JsonNode services = compose().get("services");
        JsonNode prometheus = services.get("prometheus");
        assertTrue(prometheus.path("image").asText().startsWith("prom/prometheus:"), prometheus.toString());
        assertTrue(prometheus.path("volumes").toString().contains("./deploy/prometheus.yml:"), "its config is mounted");
        JsonNode config = new ObjectMapper(new YAMLFactory()).readTree(ROOT.resolve("deploy/prometheus.yml").toFile());
        // Where each role defines its default metrics port.
        Map<String, String> defaults = Map.of(
                "worker", "gpu-workers/src/main/java/io/physmaster/worker/WorkerMetrics.java",
                "streams", "stream-processors/src/main/java/io/physmaster/streams/PreferenceStreamsApp.java",
                "trainer", "dpo-trainer/src/main/java/io/physmaster/trainer/DpoTrainerMain.java",
                "judge", "producers/src/main/java/io/physmaster/judge/JudgeMetrics.java");
        for (var role : defaults.entrySet()) {
            String port = null;
            for (JsonNode job : config.get("scrape_configs")) {
                if (job.path("job_name").asText().equals(role.getKey())) {
                    Matcher m = Pattern.compile(":(\\d+)\"|\"port\":(\\d+)").matcher(job.toString());
                    assertTrue(m.find(), job.toString());
                    port = m.group(1) != null ? m.group(1) : m.group(2);
                }
            }
            assertTrue(port != null, "a scrape job for " + role.getKey());
            String source = Files.readString(ROOT.resolve(role.getValue()));
            assertTrue(source.contains("DEFAULT_METRICS_PORT = " + port + ";")
                    || source.contains("DEFAULT_PORT = " + port + ";"), role.getKey() + " serves on " + port);
            assertEquals("0.0.0.0", services.path(role.getKey()).path("environment")
                    .path("PHYSMASTER_" + role.getKey().toUpperCase() + "_METRICS_HOST").asText(),
                    role.getKey() + " listens beyond its container's loopback, so Prometheus reaches it");
        }
    }

    @Test
    void workersReserveGpusAndScaleOut() throws IOException {
        JsonNode worker = compose().get("services").get("worker");
        assertTrue(worker.path("deploy").path("replicas").asInt() >= 2);
        JsonNode device = worker.path("deploy").path("resources").path("reservations").path("devices").get(0);
        assertEquals("nvidia", device.get("driver").asText());
        assertEquals("gpu", device.get("capabilities").get(0).asText());
    }

    @Test
    void theClusterProfileRunsThreeVotersAndReplicatesThreeTwo() throws IOException {
        JsonNode services = compose().get("services");
        Map<String, String> env = new java.util.HashMap<>();
        for (String line : Files.readAllLines(ROOT.resolve("deploy/cluster.env"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                env.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
        }
        assertEquals("cluster", env.get("COMPOSE_PROFILES"));
        assertEquals("3", env.get("PHYSMASTER_REPLICATION_FACTOR"));
        assertEquals("2", env.get("PHYSMASTER_MIN_INSYNC_REPLICAS"));
        // Every voter and bootstrap address is a Kafka service of the file, node ids matching.
        for (String voter : env.get("KAFKA_QUORUM_VOTERS").split(",")) {
            String id = voter.substring(0, voter.indexOf('@'));
            String host = voter.substring(voter.indexOf('@') + 1, voter.lastIndexOf(':'));
            assertEquals(id, services.path(host).path("environment").path("KAFKA_NODE_ID").asText(
                    services.path("kafka").path("environment").path("KAFKA_NODE_ID").asText()), voter);
            assertTrue(env.get("PHYSMASTER_KAFKA_BOOTSTRAP").contains(host + ":9092"), host);
            if (!host.equals("kafka")) {
                assertEquals("cluster", services.path(host).path("profiles").get(0).asText(), host);
            }
        }
        assertEquals(3, env.get("KAFKA_QUORUM_VOTERS").split(",").length);
        // Two Streams instances with a standby copy of each store, each with its own state volume.
        assertEquals("1", env.get("PHYSMASTER_STREAMS_STANDBY_REPLICAS"));
        assertEquals("cluster", services.path("streams-2").path("profiles").get(0).asText());
        for (String s : List.of("streams", "streams-2")) {
            assertTrue(services.path(s).path("environment").path("PHYSMASTER_STREAMS_STANDBY_REPLICAS").asText()
                    .contains("${PHYSMASTER_STREAMS_STANDBY_REPLICAS"), s);
        }
        assertNotEquals(services.path("streams").path("volumes").get(0).asText(),
                services.path("streams-2").path("volumes").get(0).asText(), "one state directory per instance");
        String kafkaEnv = services.path("kafka").path("environment").toString();
        for (String knob : List.of("KAFKA_DEFAULT_REPLICATION_FACTOR", "KAFKA_MIN_INSYNC_REPLICAS",
                "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "KAFKA_CONTROLLER_QUORUM_VOTERS")) {
            assertTrue(kafkaEnv.contains(knob), knob);
        }
        assertTrue(compose().path("x-physmaster-env").path("PHYSMASTER_REPLICATION_FACTOR").asText()
                .contains("${PHYSMASTER_REPLICATION_FACTOR"), "the topics job and the roles get the factor");
    }
}
