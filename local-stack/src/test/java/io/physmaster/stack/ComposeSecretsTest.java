package io.physmaster.stack;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docker-compose.yml carries no secret: each comes from the git-ignored .env, documented by an example. */
class ComposeSecretsTest {

    static final Pattern SECRET_NAME = Pattern.compile("PASSWORD|SECRET|TOKEN|ACCESS_KEY|_USER$");
    static final Pattern REQUIRED = Pattern.compile("^\\$\\{([A-Z0-9_]+):\\?[^}]+}$");

    @Test
    void everySecretIsARequiredVariableFromTheEnvFileAndTheExampleNamesIt() throws Exception {
        JsonNode compose = DockerComposeTest.compose();
        Set<String> variables = new HashSet<>();
        List<JsonNode> envs = new java.util.ArrayList<>();
        envs.add(compose.path("x-physmaster-env"));
        compose.get("services").forEach(s -> envs.add(s.path("environment")));
        int secrets = 0;
        for (JsonNode env : envs) {
            for (Map.Entry<String, JsonNode> e : env.properties()) {
                if (SECRET_NAME.matcher(e.getKey()).find()) {
                    Matcher m = REQUIRED.matcher(e.getValue().asText());
                    assertTrue(m.matches(), e.getKey() + " must be ${VAR:?message}, not a literal");
                    variables.add(m.group(1));
                    secrets++;
                }
            }
        }
        assertTrue(secrets >= 5, "S3 keys (roles and MinIO) and annotator tokens found: " + secrets);
        String example = Files.readString(DockerComposeTest.ROOT.resolve("deploy/secrets.env.example"));
        for (String v : variables) {
            assertTrue(example.contains("\n" + v + "="), "deploy/secrets.env.example documents " + v);
        }
        List<String> ignored = Files.readAllLines(DockerComposeTest.ROOT.resolve(".gitignore"));
        assertTrue(ignored.contains(".env") || ignored.contains("/.env"), ".env is git-ignored");
    }

    @Test
    void workersMountOnlyTheTrainersPublicKeyAndReadOnly() throws Exception {
        JsonNode services = DockerComposeTest.compose().get("services");
        String worker = services.path("worker").path("volumes").toString();
        assertTrue(worker.contains("trainer-public:/var/lib/physmaster/trainer-public:ro"), worker);
        assertFalse(worker.contains("trainer-key"), "workers never see the private key: " + worker);
        assertTrue(services.path("trainer").path("volumes").toString().contains("trainer-key:"));
    }
}
