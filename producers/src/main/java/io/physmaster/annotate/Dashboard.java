package io.physmaster.annotate;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRouting;
import io.physmaster.client.ClientSettings;
import io.physmaster.schemas.GeneratedVideo;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The live dashboard, served by the annotator's server with the same tokens: its API lives under /api/, so the
 * annotator's bearer check guards it, and its videos play from the annotator's /media/ route.
 * <pre>
 *   GET /dashboard                     the page (token in ?token=, kept in localStorage)
 *   GET /api/dashboard/versions        newest encoder versions with their gate and training figures (?limit=)
 *   GET /api/dashboard/curve           one held-out figure per version with its interval (?figure=)
 *   GET /api/dashboard/videos          newest generated videos with their GIF paths (?limit=)
 *   GET /api/dashboard/lag             consumer lag and throughput per role
 *   GET /api/dashboard/dead-letters    dead letters by component and reason, and the newest ones (?limit=)
 * </pre>
 */
final class Dashboard implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LIMIT = Pattern.compile("[0-9]{1,6}");
    private static final Pattern FIGURE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Map<String, String> ASSETS = Map.of("dashboard.js", "text/javascript; charset=utf-8",
            "dashboard.css", "text/css; charset=utf-8");

    private final DashboardSettings settings;
    private final DashboardModel model;
    private final DashboardFeed feed;
    private final ConsumerLag lag;

    Dashboard(ClientSettings client, DashboardSettings settings) {
        this.settings = settings;
        this.model = new DashboardModel(settings.keepVersions(), settings.keepVideos(), settings.keepDeadLetters());
        this.feed = new DashboardFeed(client, model);
        Properties admin = client.connection().kafka();
        admin.put(AdminClientConfig.CLIENT_ID_CONFIG, "physmaster-dashboard");
        this.lag = new ConsumerLag(Admin.create(admin), settings.groups(), settings.lagInterval());
    }

    Dashboard start() {
        feed.start();
        lag.start();
        return this;
    }

    /** A video from the annotator's feed. */
    void video(GeneratedVideo v) {
        model.video(v);
    }

    void mount(JavalinDefaultRouting r) {
        r.get("/dashboard", this::page);
        r.get("/dashboard/{asset}", this::asset);
        r.get("/api/dashboard/versions", ctx -> json(ctx, model.versions(limit(ctx, settings.keepVersions()))));
        r.get("/api/dashboard/curve", this::curve);
        r.get("/api/dashboard/videos", ctx -> json(ctx, model.videos(limit(ctx, settings.keepVideos()))));
        r.get("/api/dashboard/lag", ctx -> json(ctx, lag.latest()));
        r.get("/api/dashboard/dead-letters", ctx ->
                json(ctx, model.deadLetters(limit(ctx, settings.keepDeadLetters()))));
    }

    private void curve(Context ctx) throws IOException {
        String figure = ctx.queryParam("figure");
        if (figure != null && !FIGURE.matcher(figure).matches()) {
            throw new Refusal(400, "figure must be a figure name (letters, digits, _ . -)");
        }
        DashboardModel.Curve curve = model.curve(figure);
        if (curve == null) {
            throw new Refusal(400, "no version carries that figure");
        }
        json(ctx, curve);
    }

    /** ?limit=N, 1 to the number kept; absent: all kept. */
    private static int limit(Context ctx, int max) {
        String s = ctx.queryParam("limit");
        if (s == null) {
            return max;
        }
        int n = LIMIT.matcher(s).matches() ? Integer.parseInt(s) : 0;
        if (n < 1 || n > max) {
            throw new Refusal(400, "limit must be a whole number from 1 to " + max);
        }
        return n;
    }

    private void page(Context ctx) throws IOException {
        resource(ctx, "index.html", "text/html; charset=utf-8");
    }

    private void asset(Context ctx) throws IOException {
        String name = ctx.pathParam("asset");
        String type = ASSETS.get(name);
        if (type == null) {
            throw new Refusal(404, "not found");
        }
        resource(ctx, name, type);
    }

    private void resource(Context ctx, String name, String type) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/dashboard/" + name)) {
            // Nothing external may load: the page's own files, images from this server, inline SVG only.
            ctx.header("Content-Security-Policy", "default-src 'self'; img-src 'self'; style-src 'self'; "
                    + "script-src 'self'; connect-src 'self'; frame-ancestors 'none'");
            ctx.contentType(type).result(in.readAllBytes());
        }
    }

    private static void json(Context ctx, Object body) throws IOException {
        ctx.status(200).contentType("application/json").result(JSON.writeValueAsBytes(body));
    }

    @Override
    public void close() {
        lag.close();
        feed.close();
    }
}
