package io.physmaster.worker;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Worker metrics in Prometheus format at {@code /metrics}: requests, videos, errors by reason, end-to-end and
 * per-video latency, consumer lag, the encoder version being served.
 */
public final class WorkerMetrics implements AutoCloseable {

    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final Counter requests;
    final Counter videos;
    final Timer requestLatency;
    final Timer secondsPerVideo;
    final AtomicLong lag = new AtomicLong();
    final AtomicLong encoderSwaps = new AtomicLong();
    private HttpServer server;

    public WorkerMetrics(String workerId) {
        registry.config().commonTags("worker", workerId);
        requests = Counter.builder("physmaster_requests").description("Generation requests completed").register(registry);
        videos = Counter.builder("physmaster_videos").description("Videos stored and published").register(registry);
        requestLatency = Timer.builder("physmaster_request_latency").description("Submit to last video published")
                .publishPercentileHistogram().register(registry);
        secondsPerVideo = Timer.builder("physmaster_video_sampling").description("Sampling time per video")
                .register(registry);
        Gauge.builder("physmaster_consumer_lag", lag, AtomicLong::get).description("Requests waiting (max over partitions)")
                .register(registry);
        Gauge.builder("physmaster_encoder_swaps", encoderSwaps, AtomicLong::get).register(registry);
    }

    public void error(String reason) {
        Counter.builder("physmaster_errors").tag("reason", reason).register(registry).increment();
    }

    public void latency(Duration d) {
        requestLatency.record(d);
    }

    /** Serves /metrics on the interface and port (0 = any free port, below 0 = not at all). Returns the bound port. */
    public int serve(String host, int port) throws IOException {
        if (port < 0) {
            return -1;
        }
        server = HttpServer.create(new InetSocketAddress(host, port), 0);
        server.createContext("/metrics", ex -> {
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server.getAddress().getPort();
    }

    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
        registry.close();
    }
}
