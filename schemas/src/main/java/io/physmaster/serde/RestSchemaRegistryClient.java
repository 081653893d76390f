package io.physmaster.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * A small client for the Confluent Schema Registry REST API (v7), over java.net.http. Works against
 * Confluent's server and against Apicurio's compatibility endpoint ({@code .../apis/ccompat/v7}).
 *
 * <p>Ids and schemas are cached: a schema id never changes meaning, so after the first record of each type a
 * serializer or deserializer makes no registry calls. Transient failures (connection refused, 5xx, 429) are
 * retried with exponential backoff across the configured URLs; client errors (4xx) fail at once.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> baseUrls;
    private final String authorization;
    private final int maxRetries;
    private final long retryWaitMs;
    private final HttpClient http;

    private final Map<Integer, Schema> schemaById = new ConcurrentHashMap<>();
    private final Map<String, Map<Schema, Integer>> idBySubjectSchema = new ConcurrentHashMap<>();

    public RestSchemaRegistryClient(RegistryClientConfig config) {
        this.baseUrls = config.urls();
        this.authorization = config.userInfo() == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(config.userInfo().getBytes(StandardCharsets.UTF_8));
        this.maxRetries = config.maxRetries();
        this.retryWaitMs = config.retryWaitMs();
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(config.timeoutMs())).build();
    }

    @Override
    public int register(String subject, Schema schema) {
        Integer cached = idBySubjectSchema.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).get(schema);
        if (cached != null) {
            return cached;
        }
        JsonNode reply;
        try {
            reply = call("POST", "/subjects/" + enc(subject) + "/versions", schemaBody(schema));
        } catch (RegistryException e) {
            if (e.httpStatus() != 409) {
                throw e;
            }
            // Two clients registering the first schema of a subject at once (e.g. two stream threads writing a
            // changelog): the registry creates the subject for one and answers 409 to the other. If the schema
            // is there now, that is success; otherwise the 409 was a real incompatibility.
            try {
                return lookup(subject, schema);
            } catch (RegistryException notThere) {
                throw e;
            }
        }
        int id = reply.path("id").asInt(-1);
        if (id < 0) {
            throw new RegistryException("Registry reply to registering subject '" + subject + "' has no id: " + reply,
                    200, -1, null);
        }
        remember(subject, schema, id);
        return id;
    }

    @Override
    public int lookup(String subject, Schema schema) {
        Integer cached = idBySubjectSchema.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).get(schema);
        if (cached != null) {
            return cached;
        }
        JsonNode reply = call("POST", "/subjects/" + enc(subject), schemaBody(schema));
        int id = reply.path("id").asInt(-1);
        remember(subject, schema, id);
        return id;
    }

    @Override
    public Schema getById(int id) {
        Schema cached = schemaById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode reply = call("GET", "/schemas/ids/" + id, null);
        Schema schema = parse(reply.path("schema").asText(), "schema id " + id);
        schemaById.put(id, schema);
        return schema;
    }

    @Override
    public RegisteredSchema getLatest(String subject) {
        // Not cached: "latest" changes when a new version is registered.
        JsonNode reply = call("GET", "/subjects/" + enc(subject) + "/versions/latest", null);
        int id = reply.path("id").asInt();
        Schema schema = parse(reply.path("schema").asText(), "subject " + subject);
        schemaById.putIfAbsent(id, schema);
        return new RegisteredSchema(id, reply.path("version").asInt(), schema);
    }

    @Override
    public boolean testCompatibility(String subject, Schema schema) {
        JsonNode reply = call("POST", "/compatibility/subjects/" + enc(subject) + "/versions/latest",
                schemaBody(schema));
        return reply.path("is_compatible").asBoolean(false);
    }

    @Override
    public void setCompatibility(String subject, String level) {
        String path = subject == null ? "/config" : "/config/" + enc(subject);
        call("PUT", path, JSON.createObjectNode().put("compatibility", level).toString());
    }

    @Override
    public void close() {
        // HttpClient has no close() on Java 17; nothing else to release.
    }

    private void remember(String subject, Schema schema, int id) {
        idBySubjectSchema.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(schema, id);
        schemaById.putIfAbsent(id, PlainSchema.of(schema)); // what the registry holds under the id
    }

    private static String schemaBody(Schema schema) {
        // The schema as its .avsc file defines it, never the generated class's copy with Java-only properties:
        // a client in any language registering the same file must find it, not add a version.
        // schemaType is optional for Confluent (AVRO is its default) but spares Apicurio guessing the type.
        return JSON.createObjectNode().put("schemaType", "AVRO").put("schema", PlainSchema.text(schema)).toString();
    }

    private static Schema parse(String text, String what) {
        try {
            return new Schema.Parser().parse(text);
        } catch (RuntimeException e) {
            throw new RegistryException("Registry returned an unparseable Avro schema for " + what + ": "
                    + e.getMessage(), 200, -1, e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** One REST call with retries over every configured URL. */
    private JsonNode call(String method, String path, String body) {
        List<String> failures = new ArrayList<>();
        long wait = retryWaitMs;
        for (int attempt = 0; attempt <= maxRetries; attempt++) {
            String base = baseUrls.get(attempt % baseUrls.size());
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(Duration.ofSeconds(30))
                    .header("Accept", CONTENT_TYPE + ", application/json");
            if (authorization != null) {
                req.header("Authorization", authorization);
            }
            if (body != null) {
                req.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofString(body));
            } else {
                req.method(method, HttpRequest.BodyPublishers.noBody());
            }
            try {
                HttpResponse<String> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
                int status = resp.statusCode();
                if (status / 100 == 2) {
                    return resp.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(resp.body());
                }
                JsonNode err = readError(resp.body());
                int code = err.path("error_code").asInt(status);
                String message = method + " " + base + path + " answered HTTP " + status
                        + " (error_code " + code + "): " + err.path("message").asText(resp.body());
                boolean transientError = status >= 500 || status == 429;
                if (!transientError) {
                    throw new RegistryException(message, status, code, null);
                }
                failures.add(message);
            } catch (IOException e) {
                failures.add(method + " " + base + path + ": " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException("Interrupted while calling the schema registry", -1, -1, e);
            }
            if (attempt < maxRetries) {
                sleep(wait);
                wait = Math.min(wait * 2, 10_000);
            }
        }
        throw new RegistryException("Schema registry unreachable or failing after " + (maxRetries + 1)
                + " attempts at " + baseUrls + ": " + failures, -1, -1, null);
    }

    private static JsonNode readError(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException | RuntimeException e) {
            return JSON.createObjectNode();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException("Interrupted while waiting to retry the schema registry", -1, -1, e);
        }
    }
}
