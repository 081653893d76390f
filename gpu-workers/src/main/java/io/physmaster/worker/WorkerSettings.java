package io.physmaster.worker;

import io.physmaster.role.ConnectionSettings;
import io.physmaster.role.MetricsEndpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A worker's settings: the shared connection plus what only a worker needs; {@link #fromEnv} reads the
 * PHYSMASTER_* variables.
 *
 * @param connection        Kafka, registry and blob store (where videos go)
 * @param model             the DiT + PhysEncoder checkpoint to serve
 * @param baseEncoderVersion version id of the physical head inside that checkpoint (served until the
 *                          encoder-versions topic names another)
 * @param groupId           consumer group shared by all workers
 * @param workerId          this instance (logs, progress events, dead letters)
 * @param maxBatch          most videos sampled together (a request with 2 samples counts 2)
 * @param metricsHost       interface the Prometheus endpoint listens on (default 127.0.0.1: this machine only)
 *                          [PHYSMASTER_WORKER_METRICS_HOST]
 * @param metricsPort       Prometheus endpoint port (default 9400; 0 = any free port, below 0 = off)
 *                          [PHYSMASTER_WORKER_METRICS_PORT]
 * @param progressEvery     publish GenerationProgress every this many sampler steps (0 = only start/end)
 * @param pollTimeout       how long one poll waits for requests
 */
public record WorkerSettings(ConnectionSettings connection, Path model, String baseEncoderVersion, String groupId,
                             String workerId, int maxBatch, String metricsHost, int metricsPort, int progressEvery,
                             Duration pollTimeout) {

    public static final String DEFAULT_MODEL = "models/stage1.pmck";
    public static final String DEFAULT_BASE_VERSION = "stage1";
    /** The Prometheus endpoint's interface and port; the older names PHYSMASTER_METRICS_HOST/_PORT still count. */
    public static final String ENV_METRICS_HOST = "PHYSMASTER_WORKER_METRICS_HOST";
    public static final String ENV_METRICS_PORT = "PHYSMASTER_WORKER_METRICS_PORT";

    public WorkerSettings {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("max batch must be >= 1, got " + maxBatch);
        }
    }

    public static WorkerSettings fromEnv(Map<String, String> env) {
        return new WorkerSettings(ConnectionSettings.fromEnv(env),
                Path.of(env.getOrDefault("PHYSMASTER_MODEL", DEFAULT_MODEL)),
                env.getOrDefault("PHYSMASTER_BASE_ENCODER_VERSION", DEFAULT_BASE_VERSION),
                env.getOrDefault("PHYSMASTER_WORKER_GROUP", "physmaster-workers"),
                env.getOrDefault("PHYSMASTER_WORKER_ID", "worker-" + ProcessHandle.current().pid()),
                Integer.parseInt(env.getOrDefault("PHYSMASTER_WORKER_MAX_BATCH", "8")),
                env.getOrDefault(ENV_METRICS_HOST, env.getOrDefault("PHYSMASTER_METRICS_HOST",
                        MetricsEndpoint.DEFAULT_HOST)),
                Integer.parseInt(env.getOrDefault(ENV_METRICS_PORT, env.getOrDefault("PHYSMASTER_METRICS_PORT",
                        Integer.toString(WorkerMetrics.DEFAULT_PORT)))),
                4, Duration.ofMillis(500));
    }

    /** The defaults for everything but where the system is. */
    public static WorkerSettings defaults(ConnectionSettings connection) {
        return fromEnv(Map.of()).withConnection(connection);
    }

    public WorkerSettings withConnection(ConnectionSettings c) {
        return new WorkerSettings(c, model, baseEncoderVersion, groupId, workerId, maxBatch, metricsHost, metricsPort,
                progressEvery, pollTimeout);
    }

    public WorkerSettings withWorkerId(String id) {
        return new WorkerSettings(connection, model, baseEncoderVersion, groupId, id, maxBatch, metricsHost, metricsPort,
                progressEvery, pollTimeout);
    }

    public WorkerSettings withMetricsPort(int port) {
        return withMetrics(metricsHost, port);
    }

    public WorkerSettings withMetrics(String host, int port) {
        return new WorkerSettings(connection, model, baseEncoderVersion, groupId, workerId, maxBatch, host, port,
                progressEvery, pollTimeout);
    }

    public WorkerSettings withModel(Path m) {
        return new WorkerSettings(connection, m, baseEncoderVersion, groupId, workerId, maxBatch, metricsHost, metricsPort,
                progressEvery, pollTimeout);
    }

    public WorkerSettings withMaxBatch(int n) {
        return new WorkerSettings(connection, model, baseEncoderVersion, groupId, workerId, n, metricsHost, metricsPort,
                progressEvery, pollTimeout);
    }
}
