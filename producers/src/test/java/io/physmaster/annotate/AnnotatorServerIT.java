package io.physmaster.annotate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.physmaster.blob.LocalBlobStore;
import io.physmaster.client.ClientSettings;
import io.physmaster.schemas.PreferenceEvent;
import io.physmaster.stack.LocalStack;
import io.physmaster.stack.LocalStackExtension;
import io.physmaster.topics.Topics;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The annotator's HTTP side against the real stack: stalled clients, tokens, bodies, replays, bind address. */
@ExtendWith(LocalStackExtension.class)
class AnnotatorServerIT {

    static final String ALICE = "alice-token-1";
    static final String BOB = "bob-token-2";

    @TempDir
    static Path dir;

    static LocalStack stack;
    static LocalBlobStore blobs;
    static AnnotatorServer server;
    static String request;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    @BeforeAll
    static void start() throws Exception {
        stack = LocalStackExtension.stack();
        blobs = new LocalBlobStore(dir.resolve("blobs"));
        ClientSettings settings = new ClientSettings(stack.connection(dir.resolve("blobs")), Duration.ofSeconds(20));
        server = new AnnotatorServer(settings, Map.of(ALICE, "alice", BOB, "bob"), 0);
        request = AnnotatorVideos.publishPair(stack, blobs);
        awaitKnown(request);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    static HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(3));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String token, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(uri("/api/choice")).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String choice(String id, String choice) {
        return "{\"requestId\":\"" + id + "\",\"left\":0,\"right\":1,\"choice\":\"" + choice + "\"}";
    }

    /** Waits until the server has followed both of the request's videos (the second one is served). */
    static void awaitKnown(String id) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (get("/media/" + id + "/1.gif", "Authorization", "Bearer " + ALICE).statusCode() != 200) {
            if (System.currentTimeMillis() > deadline) {
                fail("the annotator never saw request " + id);
            }
            Thread.sleep(200);
        }
    }

    @Test
    void aStalledClientDoesNotBlockOthers() throws Exception {
        try (Socket stalled = new Socket("127.0.0.1", server.port())) {
            OutputStream out = stalled.getOutputStream();
            out.write("GET /api/next HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthoriz".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(300); // the server has the half request before the others arrive
            try {
                int next = get("/api/next", "Authorization", "Bearer " + ALICE).statusCode();
                assertTrue(next == 200 || next == 204, "GET /api/next answered " + next);
                HttpResponse<String> page = get("/");
                assertEquals(200, page.statusCode());
                assertTrue(page.body().contains("more physical"), "the page");
            } catch (HttpTimeoutException e) {
                fail("a client that stopped mid-headers blocked another client's request");
            }
        }
    }

    @Test
    void mediaNeedsAToken() throws Exception {
        for (String file : List.of("first.png", "0.gif")) {
            int status = get("/media/" + request + "/" + file).statusCode();
            assertTrue(status == 401 || status == 403, file + " without a token answered " + status);
            int wrong = get("/media/" + request + "/" + file + "?token=nope").statusCode();
            assertTrue(wrong == 401 || wrong == 403, file + " with a wrong token answered " + wrong);
        }
        // The ways the page's <img> elements and API calls carry it.
        assertEquals(200, get("/media/" + request + "/0.gif?token=" + ALICE).statusCode());
        assertEquals(200, get("/media/" + request + "/0.gif", "Cookie", "physmaster-token=" + ALICE).statusCode());
        assertEquals(200, get("/media/" + request + "/0.gif", "Authorization", "Bearer " + BOB).statusCode());
    }

    @Test
    void badBodiesAnswer400WithAShortReason() throws Exception {
        String[] bodies = {"this is not json {", "", "[1,2]", "{\"requestId\":\"" + request + "\"}",
            "{\"requestId\":\"" + request + "\",\"left\":\"zero\",\"right\":1,\"choice\":\"left\"}",
            "{\"requestId\":\"" + request + "\",\"left\":0,\"right\":1,\"choice\":\"both\"}",
            "{\"requestId\":42,\"left\":0,\"right\":1,\"choice\":\"left\"}",
            "{\"requestId\":\"" + request + "\",\"left\":0,\"right\":0,\"choice\":\"left\"}",
            "{\"requestId\":\"no-such-request\",\"left\":0,\"right\":1,\"choice\":\"left\"}"};
        for (String body : bodies) {
            HttpResponse<String> r = post(BOB, body);
            assertEquals(400, r.statusCode(), body + " -> " + r.body());
            assertTrue(r.body().matches("\\{\"error\":\"[^\"]{3,80}\"}"), "a short reason: " + r.body());
            for (String leak : List.of("Exception", "\tat ", "jackson", "not json", "zero", "both", "no-such")) {
                assertFalse(r.body().contains(leak), "echoes '" + leak + "': " + r.body());
            }
        }
    }

    @Test
    void otherRefusalsAreShortToo() throws Exception {
        HttpResponse<String> unknown = get("/api/no-such-route-xyz", "Authorization", "Bearer " + ALICE);
        assertEquals(404, unknown.statusCode());
        HttpResponse<String> noToken = get("/api/next");
        assertEquals(401, noToken.statusCode());
        HttpResponse<String> huge = post(ALICE, "{\"requestId\":\"" + "x".repeat(40_000) + "\"}");
        assertEquals(413, huge.statusCode());
        for (HttpResponse<String> r : List.of(unknown, noToken, huge)) {
            assertTrue(r.body().matches("\\{\"error\":\"[^\"]{3,80}\"}"), "a short reason: " + r.body());
            assertFalse(r.body().contains("xyz") || r.body().contains("xxx"), r.body());
        }
    }

    @Test
    void aReplayedChoicePublishesOnce() throws Exception {
        String id = AnnotatorVideos.publishPair(stack, blobs);
        awaitKnown(id);
        HttpResponse<String> first = post(ALICE, choice(id, "left"));
        assertEquals(200, first.statusCode(), first.body());
        HttpResponse<String> again = post(ALICE, choice(id, "right"));
        assertEquals(409, again.statusCode(), again.body());
        assertTrue(again.body().contains("already recorded"), again.body());

        // The same pair answered by bob at once from several connections: one of them counts.
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Integer>> racing = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Callable<Integer> c = () -> post(BOB, choice(id, "right")).statusCode();
            racing.add(pool.submit(c));
        }
        List<Integer> statuses = new ArrayList<>();
        for (Future<Integer> f : racing) {
            statuses.add(f.get());
        }
        pool.shutdown();
        assertEquals(1, statuses.stream().filter(s -> s == 200).count(), statuses.toString());
        assertEquals(3, statuses.stream().filter(s -> s == 409).count(), statuses.toString());

        List<PreferenceEvent> events = AnnotatorVideos.allWithKey(stack, Topics.PREFERENCE_EVENTS.name(),
                PreferenceEvent.class, id);
        assertEquals(2, events.size(), "one event per annotator: " + events);
        PreferenceEvent alice = events.stream().filter(e -> e.getAnnotator().equals("alice")).findFirst().orElseThrow();
        PreferenceEvent bob = events.stream().filter(e -> e.getAnnotator().equals("bob")).findFirst().orElseThrow();
        assertEquals(0, alice.getPreferredSample());
        assertEquals(1, bob.getPreferredSample());
    }

    @Test
    void listensOnLoopbackOnlyByDefault() throws Exception {
        List<InetAddress> bound = listening(server.port());
        assertFalse(bound.isEmpty(), "no listening socket found for port " + server.port());
        for (InetAddress a : bound) {
            assertEquals(InetAddress.getByName("127.0.0.1"), a, "bound to " + a);
        }
        assertTrue(server.address().getAddress().isLoopbackAddress(), server.address().toString());
        assertTrue(server.signInUrl("alice").startsWith("http://127.0.0.1:" + server.port() + "/?token="));
    }

    @Test
    void theHostOptionWidensTheBinding() throws Exception {
        ClientSettings settings = new ClientSettings(stack.connection(dir.resolve("blobs")), Duration.ofSeconds(20));
        try (AnnotatorServer wide = new AnnotatorServer(settings, AnnotatorTokens.generate("carol"), "0.0.0.0", 0)) {
            List<InetAddress> bound = listening(wide.port());
            assertFalse(bound.isEmpty(), "no listening socket found for port " + wide.port());
            assertTrue(bound.stream().allMatch(InetAddress::isAnyLocalAddress), "bound to " + bound);
            assertTrue(wide.signInUrl("carol").startsWith("http://localhost:" + wide.port() + "/?token="));
        }
    }

    /** The local addresses of the listening TCP sockets on a port, as the kernel lists them. */
    static List<InetAddress> listening(int port) throws Exception {
        List<InetAddress> out = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path p = Path.of(table);
            if (!Files.exists(p)) {
                continue;
            }
            List<String> lines = Files.readAllLines(p); // read once: the table changes as sockets come and go
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                String[] local = f[1].split(":");
                if (!f[3].equals("0A") || Integer.parseInt(local[1], 16) != port) {
                    continue;
                }
                byte[] raw = HexFormat.of().parseHex(local[0]);
                // The kernel prints each 32-bit word in host (little-endian) order.
                for (int w = 0; w < raw.length; w += 4) {
                    byte b0 = raw[w];
                    byte b1 = raw[w + 1];
                    raw[w] = raw[w + 3];
                    raw[w + 1] = raw[w + 2];
                    raw[w + 2] = b1;
                    raw[w + 3] = b0;
                }
                out.add(InetAddress.getByAddress(raw));
            }
        }
        return out;
    }
}
