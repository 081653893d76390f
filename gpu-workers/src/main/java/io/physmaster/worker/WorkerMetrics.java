package io.physmaster.worker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.physmaster.role.MetricsEndpoint;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Worker metrics in Prometheus format at {@code /metrics} (the shared {@link MetricsEndpoint}): requests, videos,
 * errors by reason, end-to-end and per-video latency, consumer lag, the encoder version being served.
 */
public final class WorkerMetrics implements AutoCloseable {

    /** Default port of the worker's endpoint. */
    public static final int DEFAULT_PORT = 9400;

    final MetricsEndpoint endpoint;
    final MeterRegistry registry;
    final Counter requests;
    final Counter videos;
    final Timer requestLatency;
    final Timer secondsPerVideo;
    final AtomicLong lag = new AtomicLong();
    final AtomicLong encoderSwaps = new AtomicLong();

    public WorkerMetrics(String workerId) {
        endpoint = new MetricsEndpoint("worker", "worker", workerId);
        registry = endpoint.registry();
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
        return endpoint.serve(host, port);
    }

    /** The endpoint's port, or -1 when it does not serve. */
    public int port() {
        return endpoint.port();
    }

    public String scrape() {
        return endpoint.scrape();
    }

    @Override
    public void close() {
        endpoint.close();
    }
}
