package io.physmaster.worker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A worker's settings; {@link #fromEnv} reads the PHYSMASTER_* variables every role shares.
 *
 * @param bootstrapServers  Kafka
 * @param schemaRegistryUrl Confluent-API registry
 * @param blobStore         where videos go (directory or s3://bucket)
 * @param model             the DiT + PhysEncoder checkpoint to serve
 * @param baseEncoderVersion version id of the physical head inside that checkpoint (served until the
 *                          encoder-versions topic names another)
 * @param groupId           consumer group shared by all workers
 * @param workerId          this instance (logs, progress events)
 * @param maxBatch          most requests sampled together
 * @param metricsPort       Prometheus endpoint port (0 = off)
 * @param progressEvery     publish GenerationProgress every this many sampler steps (0 = only start/end)
 */
public record WorkerSettings(String bootstrapServers, String schemaRegistryUrl, String blobStore, Path model,
                             String baseEncoderVersion, String groupId, String workerId, int maxBatch,
                             int metricsPort, int progressEvery, Duration pollTimeout) {

    public static WorkerSettings fromEnv(Map<String, String> env) {
        return new WorkerSettings(
                env.getOrDefault("PHYSMASTER_BOOTSTRAP_SERVERS", "localhost:9092"),
                env.getOrDefault("PHYSMASTER_SCHEMA_REGISTRY_URL", "http://localhost:8081/apis/ccompat/v7"),
                env.getOrDefault("PHYSMASTER_BLOB_STORE", "run/blobs"),
                Path.of(env.getOrDefault("PHYSMASTER_MODEL", "models/stage1.pmck")),
                env.getOrDefault("PHYSMASTER_BASE_ENCODER_VERSION", "stage1"),
                env.getOrDefault("PHYSMASTER_WORKER_GROUP", "physmaster-workers"),
                env.getOrDefault("PHYSMASTER_WORKER_ID", "worker-" + ProcessHandle.current().pid()),
                Integer.parseInt(env.getOrDefault("PHYSMASTER_WORKER_MAX_BATCH", "8")),
                Integer.parseInt(env.getOrDefault("PHYSMASTER_METRICS_PORT", "9400")),
                4, Duration.ofMillis(500));
    }

    public WorkerSettings withWorkerId(String id) {
        return new WorkerSettings(bootstrapServers, schemaRegistryUrl, blobStore, model, baseEncoderVersion, groupId,
                id, maxBatch, metricsPort, progressEvery, pollTimeout);
    }

    public WorkerSettings withMetricsPort(int port) {
        return new WorkerSettings(bootstrapServers, schemaRegistryUrl, blobStore, model, baseEncoderVersion, groupId,
                workerId, maxBatch, port, progressEvery, pollTimeout);
    }

    public WorkerSettings withModel(Path m) {
        return new WorkerSettings(bootstrapServers, schemaRegistryUrl, blobStore, m, baseEncoderVersion, groupId,
                workerId, maxBatch, metricsPort, progressEvery, pollTimeout);
    }
}
