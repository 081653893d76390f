package io.physmaster.role;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One role's Prometheus metrics: a registry with the JVM's memory, GC, threads, CPU and the process's resident
 * memory already bound, and, when asked, an HTTP endpoint serving it at {@code /metrics} (text format 0.0.4).
 * Every role uses this one; each adds its own meters to {@link #registry()}. The endpoint listens on
 * {@value #DEFAULT_HOST} unless told otherwise; port 0 takes any free port, a negative port serves nothing
 * (the registry still counts, e.g. for tests and the all-in-one demo).
 */
public final class MetricsEndpoint implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MetricsEndpoint.class);

    public static final String DEFAULT_HOST = "127.0.0.1";
    /** The port value that turns the endpoint off. */
    public static final int OFF = -1;
    public static final String PATH = "/metrics";
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /**
     * Help texts of every role's --metrics-host / --metrics-port options, to be followed by the role's environment
     * variable and " when set" (picocli fills in the default).
     */
    public static final String HOST_HELP = "Interface the Prometheus endpoint listens on, 0.0.0.0 for every interface "
            + "(e.g. in a container); default: ${DEFAULT-VALUE}, from $";
    public static final String PORT_HELP = "Port of the Prometheus endpoint " + PATH + ", 0 = any free port, -1 = off;"
            + " default: ${DEFAULT-VALUE}, from $";

    private final String role;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<AutoCloseable> binders = new ArrayList<>();
    private HttpServer server;
    private ExecutorService executor;

    /**
     * A registry whose every meter carries {@code role=<role>} and the given extra tags (key, value, ...), with
     * the JVM and process meters bound.
     */
    public MetricsEndpoint(String role, String... tags) {
        this.role = role;
        registry.config().commonTags(Tags.of("role", role).and(tags));
        new JvmMemoryMetrics().bindTo(registry);
        bind(new JvmGcMetrics());
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        // The figure the soak benchmark watches: what the OS holds for the process, native memory included.
        Gauge.builder("process.resident.memory", MetricsEndpoint::residentBytes).baseUnit("bytes")
                .description("Resident set size of the process (Linux; NaN elsewhere)").register(registry);
    }

    /** A registry for {@code role}, served on {@code host:port} unless the port is negative. */
    public static MetricsEndpoint start(String role, String host, int port, String... tags) throws IOException {
        MetricsEndpoint m = new MetricsEndpoint(role, tags);
        try {
            m.serve(host, port);
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Binds a binder that holds resources (a scheduler, listeners) and closes it with this endpoint. */
    public <T extends MeterBinder & AutoCloseable> T bind(T binder) {
        binder.bindTo(registry);
        synchronized (binders) {
            binders.add(binder);
        }
        return binder;
    }

    /**
     * Serves {@code /metrics} on the interface and port (0 = any free port, negative = not at all). Returns the
     * bound port, or {@link #OFF}.
     */
    public synchronized int serve(String host, int port) throws IOException {
        if (port < 0) {
            return OFF;
        }
        if (port > 65_535) {
            throw new IllegalArgumentException("metrics port must be at most 65535 (or -1 for off), got " + port);
        }
        if (server != null) {
            throw new IllegalStateException("the metrics endpoint is already serving on port " + port());
        }
        HttpServer s;
        try {
            s = HttpServer.create(new InetSocketAddress(host, port), 0);
        } catch (BindException e) {
            throw new IOException("cannot serve " + role + " metrics on " + host + ":" + port + " (" + e.getMessage()
                    + "); --metrics-port 0 takes any free port, -1 turns the endpoint off", e);
        }
        s.createContext("/", this::answer);
        // Own threads, so a slow scraper never holds up the server's dispatcher.
        executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, role + "-metrics-http");
            t.setDaemon(true);
            return t;
        });
        s.setExecutor(executor);
        s.start();
        server = s;
        log.info("event=metrics_serving role={} url=http://{}:{}{}", role, host, port(), PATH);
        return port();
    }

    /** The port the endpoint listens on, or {@link #OFF}. */
    public synchronized int port() {
        return server == null ? OFF : server.getAddress().getPort();
    }

    /** The address the endpoint listens on; null when it does not. */
    synchronized InetSocketAddress address() {
        return server == null ? null : server.getAddress();
    }

    /** The registry in Prometheus text format, as the endpoint serves it. */
    public String scrape() {
        return registry.scrape();
    }

    private void answer(HttpExchange ex) throws IOException {
        try {
            String method = ex.getRequestMethod();
            if (!PATH.equals(ex.getRequestURI().getPath())) {
                plain(ex, 404, "not found: the metrics are at " + PATH + "\n");
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                ex.getResponseHeaders().add("Allow", "GET, HEAD");
                plain(ex, 405, "only GET and HEAD\n");
            } else {
                byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", CONTENT_TYPE);
                if (method.equals("HEAD")) {
                    ex.sendResponseHeaders(200, -1);
                    return;
                }
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
        } finally {
            ex.close();
        }
    }

    private static void plain(HttpExchange ex, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /** VmRSS from /proc/self/status, in bytes; NaN where there is no /proc. */
    static double residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024.0; // reported in kB
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unexpected format: no figure rather than a wrong one
        }
        return Double.NaN;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (server != null) {
                server.stop(0);
                executor.shutdownNow();
                server = null;
            }
        }
        synchronized (binders) {
            for (AutoCloseable b : binders) {
                try {
                    b.close();
                } catch (Exception e) {
                    log.warn("event=metrics_binder_close_failed binder={} reason=\"{}\"", b.getClass().getSimpleName(),
                            e.toString());
                }
            }
            binders.clear();
        }
        registry.close();
    }
}
