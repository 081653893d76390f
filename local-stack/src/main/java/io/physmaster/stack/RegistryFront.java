package io.physmaster.stack;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The secured profile's door to the schema registry: an HTTP server on 127.0.0.1 that passes on only requests
 * carrying a role's HTTP basic credentials (what Confluent clients send for {@code basic.auth.user.info}) and
 * forwards them, without the credentials, to Apicurio on its own loopback port. Apicurio 2.4 can authenticate
 * only through an OIDC server (Keycloak), which this stack does not run; this keeps the registry's code as it is.
 */
final class RegistryFront implements AutoCloseable {

    static final String REALM = "PhysMaster schema registry";
    /** Request headers the registry needs; the rest (Authorization above all) stay here. */
    private static final List<String> FORWARDED = List.of("Accept", "Content-Type");
    /** Response headers the front sets itself, or that describe the backend connection. */
    private static final Set<String> NOT_COPIED = Set.of("content-length", "transfer-encoding", "connection",
            "keep-alive", "date");

    private final HttpServer server;
    private final ExecutorService pool;
    private final HttpClient http;
    private final String backendRoot;
    /** User to the SHA-256 of "user:password": compared in constant time, the passwords not kept as strings. */
    private final Map<String, byte[]> users = new HashMap<>();

    private RegistryFront(HttpServer server, String backendRoot, Map<String, String> passwords) {
        this.server = server;
        this.backendRoot = backendRoot;
        passwords.forEach((user, pw) -> users.put(user, sha256(user + ":" + pw)));
        // HTTP/1.1: the registry would accept an h2c upgrade, and HTTP/2 answers carry pseudo-headers (":status").
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        this.pool = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "registry-front");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/", this::handle);
    }

    /**
     * Listens on 127.0.0.1:{@code port} (0: any free port) and forwards to {@code backendRoot}
     * (e.g. http://127.0.0.1:41234); {@code passwords} maps each user to its password.
     */
    static RegistryFront start(int port, String backendRoot, Map<String, String> passwords) throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        } catch (java.net.BindException e) {
            throw new IOException("Port " + port + " is already in use; pick another with --registry-port", e);
        }
        RegistryFront front = new RegistryFront(server, backendRoot, passwords);
        server.start();
        return front;
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String user = authenticated(ex.getRequestHeaders().getFirst("Authorization"));
            if (user == null) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"" + REALM + "\", charset=\"UTF-8\"");
                reply(ex, 401, "{\"error_code\":40101,\"message\":\"Unauthorized: this registry needs a role's "
                        + "credentials (basic.auth.user.info)\"}");
                return;
            }
            forward(ex);
        }
    }

    /** The user whose credentials the header carries, or null when it carries none or wrong ones. */
    String authenticated(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String userInfo;
        try {
            userInfo = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notBase64) {
            return null;
        }
        int colon = userInfo.indexOf(':');
        if (colon <= 0) {
            return null;
        }
        String user = userInfo.substring(0, colon);
        byte[] expected = users.get(user);
        // Unknown users are compared too, so the time taken does not tell which names exist.
        boolean ok = MessageDigest.isEqual(expected != null ? expected : new byte[32], sha256(userInfo));
        return ok && expected != null ? user : null;
    }

    private void forward(HttpExchange ex) throws IOException {
        URI in = ex.getRequestURI();
        String target = backendRoot + in.getRawPath() + (in.getRawQuery() == null ? "" : "?" + in.getRawQuery());
        byte[] body = ex.getRequestBody().readAllBytes();
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(target)).timeout(Duration.ofSeconds(60))
                .method(ex.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        for (String h : FORWARDED) {
            for (String v : ex.getRequestHeaders().getOrDefault(h, List.of())) {
                req.header(h, v);
            }
        }
        HttpResponse<byte[]> resp;
        try {
            resp = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            // 5xx: our client and Confluent's treat it as transient and retry.
            reply(ex, 502, "{\"error_code\":50201,\"message\":\"schema registry behind the front unreachable\"}");
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reply(ex, 503, "{\"error_code\":50301,\"message\":\"registry front shutting down\"}");
            return;
        }
        resp.headers().map().forEach((name, values) -> {
            if (!name.startsWith(":") && !NOT_COPIED.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(v -> ex.getResponseHeaders().add(name, v));
            }
        });
        byte[] out = resp.body();
        boolean noBody = out.length == 0 || "HEAD".equals(ex.getRequestMethod());
        ex.sendResponseHeaders(resp.statusCode(), noBody ? -1 : out.length);
        if (!noBody) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(out);
            }
        }
    }

    private static void reply(HttpExchange ex, int status, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(b);
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
