package io.physmaster.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.physmaster.stack.LocalStackExtension;
import io.physmaster.stack.RepoRoot;
import io.physmaster.topics.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client in another language registering our .avsc files as they are finds the schemas the Java serializer
 * registered (same id, no new version), and the other way round.
 */
@ExtendWith(LocalStackExtension.class)
class PlainSchemaIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final Path AVRO = RepoRoot.find().resolve("schemas/src/main/avro");

    static String url() {
        return LocalStackExtension.stack().schemaRegistryUrl();
    }

    /** What a plain HTTP client does with an .avsc file: POST its text as the schema, nothing else. */
    static int rawRegister(String subject, String avsc) throws IOException, InterruptedException {
        String body = JSON.createObjectNode().put("schema", avsc).toString();
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/subjects/" + subject + "/versions"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).path("id").asInt(-1);
    }

    static JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return JSON.readTree(r.body());
    }

    static int javaRegister(String topic, SpecificRecord record) {
        try (AvroSerializer<SpecificRecord> ser = new AvroSerializer<>()) {
            ser.configure(Map.of("schema.registry.url", url()), false);
            return ByteBuffer.wrap(ser.serialize(topic, record), 1, 4).getInt();
        }
    }

    @Test
    void javaSerializerAndARawClientRegisteringTheAvscGetOneIdAndOneVersion() throws Exception {
        for (var e : AvroSerdeIT.examples().entrySet()) {
            SpecificRecord record = e.getValue();
            String name = record.getSchema().getName();
            String run = UUID.randomUUID().toString().substring(0, 8);
            if (record.getSchema().getName().equals("PreferenceBatch")) {
                // Its file names PreferencePair without defining it, so no client can register that file alone;
                // what Java registers must still be the plain schema.
                int id = javaRegister("it-plain-" + run + ".batch", record);
                assertFalse(get("/schemas/ids/" + id).path("schema").asText().contains("avro.java.string"));
                continue;
            }
            String avsc = Files.readString(AVRO.resolve(name + ".avsc"));

            String javaFirst = "it-plain-" + run + ".java-first." + e.getKey();
            int byJava = javaRegister(javaFirst, record);
            assertEquals(byJava, rawRegister(javaFirst + "-value", avsc), name + ": same schema, same id");
            assertEquals(1, get("/subjects/" + javaFirst + "-value/versions").size(), name + ": one version");

            String rawFirst = "it-plain-" + run + ".raw-first." + e.getKey();
            int byRaw = rawRegister(rawFirst + "-value", avsc);
            assertEquals(byRaw, javaRegister(rawFirst, record), name + ": Java finds what the other client registered");
            assertEquals(1, get("/subjects/" + rawFirst + "-value/versions").size(), name + ": one version");
            assertEquals(byJava, byRaw, name);
        }
    }

    @Test
    void everyTopicSubjectAnswersBackward() throws Exception {
        for (Topics.Topic t : Topics.ALL) {
            assertEquals("BACKWARD", get("/config/" + t.name() + "-value").path("compatibilityLevel").asText(),
                    t.name());
        }
        assertEquals("BACKWARD", get("/config").path("compatibilityLevel").asText());
    }
}
