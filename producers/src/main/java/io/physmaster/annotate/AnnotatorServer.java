package io.physmaster.annotate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import io.javalin.util.JavalinLogger;
import io.physmaster.blob.BlobStore;
import io.physmaster.blob.BlobStores;
import io.physmaster.client.ClientSettings;
import io.physmaster.client.PhysMasterClient;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.PreferenceSource;
import io.physmaster.sim.io.ClipFile;
import io.physmaster.sim.io.VideoFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import javax.imageio.ImageIO;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The annotators' web page: shows a request's first frame and two of its generated videos side by side
 * (looping GIFs), and turns each choice into a HUMAN PreferenceEvent on Kafka.
 * <pre>
 *   GET  /                    the page (token in ?token=, kept in localStorage)
 *   GET  /api/next            next pair this annotator has not answered (204 when none)
 *   POST /api/choice          {requestId, left, right, choice: left|right|skip}; a replay answers 409
 *   GET  /api/stats           {done}
 *   GET  /media/{request}/{sample}.gif, /media/{request}/first.png
 *   GET  /dashboard, /api/dashboard/...   the live dashboard ({@link Dashboard}), unless turned off
 * </pre>
 * Every route but the page needs an annotator token: the API as "Authorization: Bearer", media also as the
 * cookie the API sets (the page's img elements cannot send headers) or as ?token=. Listens on 127.0.0.1
 * unless given another host. Jetty reads requests without blocking, so a client that stalls cannot hold up
 * the others, and drops connections idle for longer than {@link #IDLE_TIMEOUT}.
 */
public final class AnnotatorServer implements AutoCloseable {

    public static final String DEFAULT_HOST = "127.0.0.1";
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
    static final String COOKIE = "physmaster-token";
    private static final Logger log = LoggerFactory.getLogger(AnnotatorServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> annotatorByToken;
    private final PhysMasterClient client;
    private final BlobStore blobs;
    private final AnnotatorPairs pairs = new AnnotatorPairs();
    private final Javalin http;
    private final ServerConnector connector;
    private final VideoFeed feed;
    private final Dashboard dashboard;

    /** Listens on 127.0.0.1. */
    public AnnotatorServer(ClientSettings settings, Map<String, String> annotatorByToken, int port)
            throws IOException {
        this(settings, annotatorByToken, DEFAULT_HOST, port);
    }

    /** Listens on {@code host} ("0.0.0.0" for every interface); port 0 picks a free one. */
    public AnnotatorServer(ClientSettings settings, Map<String, String> annotatorByToken, String host, int port)
            throws IOException {
        this(settings, annotatorByToken, host, port, DashboardSettings.defaults());
    }

    /** The same, with the live dashboard as given (or off). */
    public AnnotatorServer(ClientSettings settings, Map<String, String> annotatorByToken, String host, int port,
                           DashboardSettings dashboardSettings) throws IOException {
        if (annotatorByToken.isEmpty()) {
            throw new IllegalArgumentException("at least one annotator token is needed (name:token)");
        }
        this.annotatorByToken = Map.copyOf(annotatorByToken);
        this.client = PhysMasterClient.connect(settings);
        this.blobs = settings.connection().openBlobStore();
        this.dashboard = dashboardSettings.enabled() ? new Dashboard(settings, dashboardSettings) : null;
        this.feed = new VideoFeed(settings, dashboard == null ? pairs::add : v -> {
            pairs.add(v);
            dashboard.video(v);
        });
        JavalinLogger.startupInfo = false; // our annotator_ready line says where it listens; no version nag
        ServerConnector[] bound = new ServerConnector[1];
        this.http = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.http.maxRequestSize = 16 * 1024; // a choice is a few dozen bytes
            QueuedThreadPool threads = new QueuedThreadPool(32, 2, 60_000);
            threads.setName("annotator-http");
            config.jetty.threadPool = threads;
            config.jetty.addConnector((server, httpConfig) -> {
                ServerConnector c = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
                c.setHost(host);
                c.setPort(port);
                c.setIdleTimeout(IDLE_TIMEOUT.toMillis());
                bound[0] = c;
                return c;
            });
            config.router.mount(r -> {
                r.before(ctx -> ctx.header("Cache-Control", "no-store"));
                r.before("/api/*", this::authenticateApi);
                r.before("/media/*", this::authenticateMedia);
                r.get("/", this::page);
                r.get("/index.html", this::page);
                r.get("/api/next", this::next);
                r.post("/api/choice", this::choice);
                r.get("/api/stats", ctx -> json(ctx, 200,
                        JSON.createObjectNode().put("done", pairs.done(annotator(ctx)))));
                r.get("/media/{request}/{file}", this::media);
                if (dashboard != null) {
                    dashboard.mount(r);
                }
                r.exception(Refusal.class, (e, ctx) -> error(ctx, e.status, e.getMessage()));
                r.exception(HttpResponseException.class, (e, ctx) ->
                        error(ctx, e.getStatus(), HttpStatus.forStatus(e.getStatus()).getMessage().toLowerCase()));
                r.exception(Exception.class, (e, ctx) -> {
                    log.warn("event=annotator_error path={} reason=\"{}\"", ctx.path(), e.toString());
                    error(ctx, 500, "internal error");
                });
            });
        });
        try {
            http.start();
        } catch (RuntimeException e) {
            feed.close();
            if (dashboard != null) {
                dashboard.close();
            }
            client.close();
            blobs.close();
            throw e;
        }
        this.connector = bound[0];
        feed.start();
        if (dashboard != null) {
            dashboard.start();
        }
        log.info("event=annotator_ready host={} port={} annotators={}", host, port(), annotatorByToken.values());
    }

    public int port() {
        return connector.getLocalPort();
    }

    /** The address the server listens on. */
    public InetSocketAddress address() {
        String host = connector.getHost();
        return host == null ? new InetSocketAddress(port()) : new InetSocketAddress(host, port());
    }

    /** The page's URL with this annotator's token, to hand to them. */
    public String signInUrl(String annotator) {
        return url("/", annotator);
    }

    /** The live dashboard's URL with this annotator's token; null when the dashboard is off. */
    public String dashboardUrl(String annotator) {
        return dashboard == null ? null : url("/dashboard", annotator);
    }

    private String url(String path, String annotator) {
        String token = annotatorByToken.entrySet().stream().filter(e -> e.getValue().equals(annotator))
                .map(Map.Entry::getKey).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no annotator named " + annotator));
        String host = connector.getHost();
        if (host == null || host.isEmpty() || host.equals("0.0.0.0") || host.equals("::")) {
            host = "localhost";
        } else if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return "http://" + host + ":" + port() + path + "?token=" + token;
    }

    /** API calls carry the token as a bearer header only: a cookie alone could be sent by another site's form. */
    private void authenticateApi(Context ctx) {
        String auth = ctx.header("Authorization");
        String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7).trim() : null;
        String annotator = AnnotatorTokens.annotator(annotatorByToken, token);
        if (annotator == null) {
            throw new Refusal(401, "unknown or missing annotator token");
        }
        ctx.attribute("annotator", annotator);
        if (!token.equals(ctx.cookie(COOKIE))) {
            // For the page's img elements, which cannot send the header.
            ctx.header("Set-Cookie", COOKIE + "=" + token + "; Path=/media; HttpOnly; SameSite=Strict");
        }
    }

    private void authenticateMedia(Context ctx) {
        String auth = ctx.header("Authorization");
        String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7).trim()
                : ctx.cookie(COOKIE) != null ? ctx.cookie(COOKIE) : ctx.queryParam("token");
        if (AnnotatorTokens.annotator(annotatorByToken, token) == null) {
            throw new Refusal(401, "unknown or missing annotator token");
        }
    }

    private static String annotator(Context ctx) {
        return ctx.attribute("annotator");
    }

    private void page(Context ctx) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/annotator/index.html")) {
            ctx.contentType("text/html; charset=utf-8").result(in.readAllBytes());
        }
    }

    private void next(Context ctx) throws IOException {
        String annotator = annotator(ctx);
        AnnotatorPairs.Pair pair = pairs.next(annotator);
        if (pair == null) {
            ctx.status(204);
            return;
        }
        String id = pair.requestId();
        ObjectNode body = JSON.createObjectNode().put("requestId", id).put("firstFrame", "/media/" + id + "/first.png")
                .put("done", pairs.done(annotator)).put("waiting", pair.waiting());
        body.putObject("left").put("sample", pair.left()).put("gif", "/media/" + id + "/" + pair.left() + ".gif");
        body.putObject("right").put("sample", pair.right()).put("gif", "/media/" + id + "/" + pair.right() + ".gif");
        json(ctx, 200, body);
    }

    private void choice(Context ctx) throws IOException {
        String annotator = annotator(ctx);
        Choice c = Choice.parse(ctx.bodyAsBytes());
        if (pairs.video(c.requestId(), c.left()) == null || pairs.video(c.requestId(), c.right()) == null) {
            throw new Refusal(400, "unknown request or samples");
        }
        if (!pairs.claim(annotator, c)) {
            throw new Refusal(409, "already recorded");
        }
        String message = "Skipped.";
        if (c.preferred() >= 0) {
            try {
                client.publishPreference(c.requestId(), c.preferred(), c.rejected(), PreferenceSource.HUMAN, annotator, 1.0f);
            } catch (IOException | RuntimeException e) {
                pairs.release(annotator, c);
                log.warn("event=annotator_publish_failed request={} reason=\"{}\"", c.requestId(), e.getMessage());
                throw new Refusal(503, "could not record the choice; try again");
            }
            message = "Thanks: sample " + c.preferred() + " preferred.";
        }
        int n = pairs.answered(annotator, c);
        json(ctx, 200, JSON.createObjectNode().put("done", n).put("message", message));
    }

    private void media(Context ctx) throws IOException {
        String request = ctx.pathParam("request");
        String file = ctx.pathParam("file");
        boolean first = file.equals("first.png");
        GeneratedVideo v;
        if (first) {
            v = pairs.first(request);
        } else if (file.matches("[0-9]{1,6}\\.gif")) {
            v = pairs.video(request, Integer.parseInt(file.substring(0, file.length() - 4)));
        } else {
            throw new Refusal(404, "not found");
        }
        if (v == null) {
            throw new Refusal(404, "unknown request or sample");
        }
        ClipFile.Contents c = ClipFile.decode(BlobStores.read(URI.create(v.getRawUri()), blobs));
        if (first) {
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(VideoFiles.frame(c.video(), 0, c.height(), c.width(), 1), "png", png);
            ctx.contentType("image/png").result(png.toByteArray());
        } else {
            ctx.contentType("image/gif").result(VideoFiles.gifBytes(c.video(), c.frames(), c.height(), c.width(), c.fps(), 8));
        }
    }

    private static void json(Context ctx, int status, JsonNode body) throws IOException {
        ctx.status(status).contentType("application/json").result(JSON.writeValueAsBytes(body));
    }

    private static void error(Context ctx, int status, String reason) {
        ctx.status(status).contentType("application/json")
                .result("{\"error\":" + JSON.getNodeFactory().textNode(reason).toString() + "}");
    }

    @Override
    public void close() {
        feed.close();
        if (dashboard != null) {
            dashboard.close();
        }
        http.stop();
        client.close();
        blobs.close();
    }
}
