package io.physmaster.annotate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.physmaster.blob.LocalBlobStore;
import io.physmaster.client.ClientSettings;
import io.physmaster.stack.LocalStack;
import io.physmaster.stack.LocalStackExtension;
import io.physmaster.topics.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard's JSON endpoints against the real stack, fed by real records the test publishes. */
@ExtendWith(LocalStackExtension.class)
class DashboardIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String TOKEN = AnnotatorTokens.newToken();
    static final String WORKER_GROUP = "dash-it-worker-" + RUN;
    static final String ABSENT_GROUP = "dash-it-absent-" + RUN;

    @TempDir
    static Path dir;

    static LocalStack stack;
    static LocalBlobStore blobs;
    static AnnotatorServer server;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    @BeforeAll
    static void start() throws Exception {
        stack = LocalStackExtension.stack();
        blobs = new LocalBlobStore(dir.resolve("blobs"));
        ClientSettings settings = new ClientSettings(stack.connection(dir.resolve("blobs")), Duration.ofSeconds(20));
        DashboardSettings board = DashboardSettings.defaults().withGroup("worker", WORKER_GROUP)
                .withGroup("judge", ABSENT_GROUP).withLagInterval(Duration.ofMillis(400));
        server = new AnnotatorServer(settings, Map.of(TOKEN, "tester"), AnnotatorServer.DEFAULT_HOST, 0, board);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static JsonNode api(String path) throws Exception {
        HttpResponse<byte[]> r = get(path, "Authorization", "Bearer " + TOKEN);
        assertEquals(200, r.statusCode(), path);
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        return JSON.readTree(r.body());
    }

    /** Polls an endpoint until its JSON satisfies {@code ready}. */
    static JsonNode await(String path, Predicate<JsonNode> ready) throws Exception {
        long deadline = System.currentTimeMillis() + 40_000;
        JsonNode last = null;
        while (System.currentTimeMillis() < deadline) {
            last = api(path);
            if (ready.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting on " + path + "; last: " + last);
    }

    static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode n : array) {
            if (value.equals(n.path(field).asText())) {
                return n;
            }
        }
        return null;
    }

    @Test
    void versionsAndTheCurveCarryTheGateFiguresAsPublished() throws Exception {
        String a = "dash-it-" + RUN + "-a";
        String b = "dash-it-" + RUN + "-b";
        DashboardRecords.versions(stack, DashboardRecords.version(a, "stage1", -0.010, -0.030, 0.012, 0.51),
                DashboardRecords.version(b, a, -0.025, -0.041, -0.004, 0.49));
        JsonNode versions = await("/api/dashboard/versions", v -> find(v, "version", b) != null
                && find(v, "version", a) != null);
        JsonNode vb = find(versions, "version", b);
        assertEquals(a, vb.get("parent").asText());
        assertEquals(1, vb.get("batches").asInt());
        assertEquals(-0.025, vb.get("evaluationFigures").get("change_vs_anchor").asDouble());
        assertEquals(-0.041, vb.get("evaluationFigures").get("change_vs_anchor_low").asDouble());
        assertEquals(0.49, vb.get("evaluationFigures").get("candidate_score").asDouble());
        assertEquals(32.0, vb.get("trainingFigures").get("pairs").asDouble());
        assertEquals("stage1", find(versions, "version", a).get("parent").asText());
        assertTrue(api("/api/dashboard/versions?limit=1").size() == 1);

        JsonNode curve = api("/api/dashboard/curve");
        assertEquals("change_vs_anchor", curve.get("figure").asText());
        assertTrue(curve.get("interval").asBoolean());
        JsonNode pa = find(curve.get("points"), "version", a);
        JsonNode pb = find(curve.get("points"), "version", b);
        assertEquals(-0.010, pa.get("value").asDouble());
        assertEquals(-0.030, pa.get("low").asDouble());
        assertEquals(0.012, pa.get("high").asDouble());
        assertEquals(-0.004, pb.get("high").asDouble());
        assertTrue(pa.get("index").asInt() < pb.get("index").asInt(), "publication order");
        JsonNode score = api("/api/dashboard/curve?figure=candidate_score");
        assertFalse(score.get("interval").asBoolean());
        assertEquals(0.49, find(score.get("points"), "version", b).get("value").asDouble());
        assertTrue(score.get("note").asText().contains("no interval"));
    }

    @Test
    void newestVideosPlayFromTheAnnotatorsMediaRoute() throws Exception {
        String first = AnnotatorVideos.publishPair(stack, blobs);
        String second = AnnotatorVideos.publishPair(stack, blobs);
        Predicate<JsonNode> ours = n -> n.get("requestId").asText().equals(first)
                || n.get("requestId").asText().equals(second);
        // Two requests of two samples each: all four, whatever order the partitions deliver them in.
        JsonNode videos = await("/api/dashboard/videos", v -> Arrays.stream(JSON.convertValue(v, JsonNode[].class))
                .filter(ours).count() == 4);
        JsonNode v = find(videos, "requestId", second);
        assertEquals("stage1", v.get("encoderVersion").asText());
        assertEquals("seen:11", v.get("sceneId").asText());
        String gif = v.get("gif").asText();
        assertTrue(gif.matches("/media/" + second + "/[01]\\.gif"), gif);
        HttpResponse<byte[]> media = get(gif, "Authorization", "Bearer " + TOKEN);
        assertEquals(200, media.statusCode());
        assertEquals("image/gif", media.headers().firstValue("Content-Type").orElse(""));
        assertArrayEquals("GIF8".getBytes(), Arrays.copyOf(media.body(), 4));
        assertEquals(1, api("/api/dashboard/videos?limit=1").size());
    }

    @Test
    void deadLettersCountByComponentAndReasonPrefix() throws Exception {
        String role = "dash-it-" + RUN;
        DashboardRecords.deadLetter(stack, role + "/w-1", "gave up after 3 attempts: blob store unavailable");
        DashboardRecords.deadLetter(stack, role + "/w-2", "gave up after 5 attempts: registry unavailable");
        DashboardRecords.deadLetter(stack, role + "-streams", "late: the window closed before event e-1 arrived");
        JsonNode d = await("/api/dashboard/dead-letters", n -> {
            JsonNode ours = find(n.get("byReason"), "component", role);
            return ours != null && ours.get("count").asInt() == 2 && find(n.get("byReason"), "component",
                    role + "-streams") != null;
        });
        JsonNode ours = find(d.get("byReason"), "component", role);
        assertEquals("gave up after # attempts", ours.get("reason").asText());
        JsonNode late = find(d.get("byReason"), "component", role + "-streams");
        assertEquals("late", late.get("reason").asText());
        assertEquals(1, late.get("count").asInt());
        assertTrue(d.get("total").asLong() >= 3);
        JsonNode newest = find(d.get("newest"), "component", role + "/w-2");
        assertEquals("gave up after 5 attempts: registry unavailable", newest.get("reason").asText());
        assertEquals(Topics.GENERATION_REQUESTS.name(), newest.get("originalTopic").asText());
        assertFalse(newest.has("value"), "the rejected bytes stay out of the page");
    }

    @Test
    void lagAndThroughputPerRoleFromCommittedAndEndOffsets() throws Exception {
        AnnotatorVideos.publishPair(stack, blobs); // the topic has records whatever ran before
        String topic = Topics.GENERATED_VIDEOS.name();
        long end = DashboardRecords.commit(stack, WORKER_GROUP, topic, false);
        JsonNode behind = await("/api/dashboard/lag", n -> {
            JsonNode w = find(n.get("roles"), "role", "worker");
            return w != null && w.get("lag").asLong(-1) == end;
        });
        JsonNode w = find(behind.get("roles"), "role", "worker");
        assertEquals(WORKER_GROUP, w.get("group").asText());
        assertEquals(end, w.get("lagByTopic").get(topic).asLong());
        assertNull(behind.get("error").textValue());
        JsonNode absent = find(behind.get("roles"), "role", "judge");
        assertTrue(absent.get("lag").isNull(), "a group that never committed has no lag to show");
        assertEquals(0, absent.get("committed").asLong());
        assertNotNull(find(behind.get("roles"), "role", "streams"));
        assertEquals("physmaster-dpo-trainer", find(behind.get("roles"), "role", "trainer").get("group").asText());

        DashboardRecords.commit(stack, WORKER_GROUP, topic, true);
        JsonNode caught = await("/api/dashboard/lag", n -> {
            JsonNode x = find(n.get("roles"), "role", "worker");
            return x.get("lag").asLong(-1) == 0 && x.get("recordsPerSecond").asDouble(0) > 0;
        });
        JsonNode x = find(caught.get("roles"), "role", "worker");
        assertEquals(end, x.get("committed").asLong());
        // The commits moved by {@code end} records between two samples at least the lag interval apart.
        assertTrue(x.get("recordsPerSecond").asDouble() <= end * 1000.0 / 400, "at most end records per interval");
    }

    @Test
    void tokenRequiredAndBadInputRefusedWithoutEchoingIt() throws Exception {
        assertEquals(401, get("/api/dashboard/versions").statusCode());
        assertEquals(401, get("/api/dashboard/lag", "Authorization", "Bearer wrong-" + RUN).statusCode());
        for (String bad : new String[] {"limit=abc", "limit=0", "limit=9999999", "limit=-1"}) {
            HttpResponse<byte[]> r = get("/api/dashboard/videos?" + bad, "Authorization", "Bearer " + TOKEN);
            assertEquals(400, r.statusCode(), bad);
            assertTrue(JSON.readTree(r.body()).get("error").asText().startsWith("limit must be"), bad);
        }
        HttpResponse<byte[]> script = get("/api/dashboard/curve?figure=%3Cscript%3Ex", "Authorization",
                "Bearer " + TOKEN);
        assertEquals(400, script.statusCode());
        assertFalse(new String(script.body()).contains("script"));
        HttpResponse<byte[]> unknown = get("/api/dashboard/curve?figure=nothing_" + RUN, "Authorization",
                "Bearer " + TOKEN);
        assertEquals(400, unknown.statusCode());
        assertFalse(new String(unknown.body()).contains(RUN));
        HttpResponse<byte[]> page = get("/dashboard");
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'self'"));
        assertEquals(404, get("/dashboard/other.js").statusCode());
        assertTrue(server.dashboardUrl("tester").endsWith("/dashboard?token=" + TOKEN));
    }

    @Test
    void theDashboardCanBeTurnedOff() throws Exception {
        ClientSettings settings = new ClientSettings(stack.connection(dir.resolve("blobs")), Duration.ofSeconds(20));
        try (AnnotatorServer off = new AnnotatorServer(settings, Map.of(TOKEN, "tester"), AnnotatorServer.DEFAULT_HOST,
                0, DashboardSettings.defaults().disabled())) {
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + off.port()
                    + "/api/dashboard/versions")).header("Authorization", "Bearer " + TOKEN).build();
            assertEquals(404, http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode());
            assertNull(off.dashboardUrl("tester"));
        }
    }
}
