package io.physmaster.annotate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real headless Chromium (Debian's package, installed here if missing) driven over the Chrome DevTools
 * Protocol with java.net.http's WebSocket: navigate, evaluate JavaScript, take screenshots.
 */
final class HeadlessChromium implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final WebSocket socket;
    private final Path profile;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    /** Installs Debian's chromium package when it is missing (the test machine starts without it). */
    static void ensureInstalled() throws IOException, InterruptedException {
        if (Files.isExecutable(BINARY)) {
            return;
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("Chromium is missing and installing it needs root: apt-get install chromium");
        }
        for (String[] cmd : new String[][] {{"apt-get", "install", "-y", "-q", "chromium"},
                {"sh", "-c", "apt-get update -q && apt-get install -y -q chromium"}}) {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            if (p.waitFor(10, TimeUnit.MINUTES) && Files.isExecutable(BINARY)) {
                return;
            }
        }
        throw new IllegalStateException("Could not install Debian's chromium package");
    }

    HeadlessChromium(String url) throws Exception {
        ensureInstalled();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        profile = Files.createTempDirectory("chromium-profile");
        process = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--window-size=1000,720",
                "--user-data-dir=" + profile, "--remote-debugging-port=" + port, url)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        HttpClient http = HttpClient.newHttpClient();
        String ws = null;
        long deadline = System.currentTimeMillis() + 60_000;
        while (ws == null && System.currentTimeMillis() < deadline) {
            try {
                String list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                        .build(), HttpResponse.BodyHandlers.ofString()).body();
                for (JsonNode t : JSON.readTree(list)) {
                    if ("page".equals(t.path("type").asText())) {
                        ws = t.path("webSocketDebuggerUrl").asText();
                    }
                }
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        if (ws == null) {
            process.destroyForcibly();
            throw new IllegalStateException("Chromium's DevTools endpoint did not come up");
        }
        socket = http.newWebSocketBuilder().buildAsync(URI.create(ws), new Listener()).get(30, TimeUnit.SECONDS);
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    JsonNode msg = JSON.readTree(partial.toString());
                    CompletableFuture<JsonNode> f = msg.has("id") ? pending.remove(msg.get("id").asInt()) : null;
                    if (f != null) {
                        f.complete(msg);
                    }
                } catch (IOException e) {
                    // ignore events we cannot parse
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }
    }

    JsonNode call(String method, ObjectNode params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
        msg.set("params", params == null ? JSON.createObjectNode() : params);
        socket.sendText(JSON.writeValueAsString(msg), true).get(10, TimeUnit.SECONDS);
        JsonNode reply = f.get(30, TimeUnit.SECONDS);
        if (reply.has("error")) {
            throw new IllegalStateException(method + " failed: " + reply.get("error"));
        }
        return reply.get("result");
    }

    /** Evaluates JavaScript in the page and returns its value (JSON). */
    JsonNode eval(String expression) throws Exception {
        JsonNode r = call("Runtime.evaluate", JSON.createObjectNode().put("expression", expression)
                .put("returnByValue", true).put("awaitPromise", true));
        return r.path("result").path("value");
    }

    /** Polls an expression until it is truthy. */
    JsonNode waitFor(String expression, Duration timeout) throws Exception {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (System.currentTimeMillis() < deadline) {
            JsonNode v = eval(expression);
            if (!v.isMissingNode() && !v.isNull() && !(v.isBoolean() && !v.asBoolean())
                    && !(v.isTextual() && v.asText().isEmpty())) {
                return v;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("timed out waiting for " + expression);
    }

    byte[] screenshotPng() throws Exception {
        return Base64.getDecoder().decode(call("Page.captureScreenshot", null).get("data").asText());
    }

    @Override
    public void close() throws Exception {
        try {
            socket.abort();
        } finally {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
