package io.physmaster.streams;

import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.physmaster.role.ConnectionSettings;
import io.physmaster.role.KafkaSecurity;
import io.physmaster.role.MetricsEndpoint;
import io.physmaster.schemas.DeadLetter;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.schemas.PreferenceEvent;
import io.physmaster.serde.PhysSerdes;
import io.physmaster.topics.Replication;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code physmaster streams}: runs the preference batcher until SIGTERM/Ctrl-C, then closes it cleanly (commits
 * the open transaction, flushes the stores). Exits 1 if the application dies on its own.
 */
@Command(name = "streams", mixinStandardHelpOptions = true,
        description = "Kafka Streams: validate, dedupe and batch preference events into windowed preference batches.")
public final class PreferenceStreamsApp implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Kafka brokers (default: $PHYSMASTER_BOOTSTRAP_SERVERS or ${DEFAULT-VALUE})",
            defaultValue = "${env:PHYSMASTER_BOOTSTRAP_SERVERS:-localhost:9092}")
    String bootstrap;

    @Option(names = "--schema-registry-url", paramLabel = "URL",
            description = "Confluent-compatible registry API (default: $PHYSMASTER_SCHEMA_REGISTRY_URL or "
                    + "${DEFAULT-VALUE})",
            defaultValue = "${env:PHYSMASTER_SCHEMA_REGISTRY_URL:-http://localhost:8081/apis/ccompat/v7}")
    String registry;

    @Option(names = "--state-dir", defaultValue = "run/streams", paramLabel = "DIR",
            description = "Local state (RocksDB) directory (default: ${DEFAULT-VALUE})")
    Path stateDir;

    @Option(names = "--config", paramLabel = "FILE", description = "Properties file: batch.window, batch.grace, "
            + "batch.max.pairs, batch.min.confidence, batch.video.wait, batch.dedup.retention (else "
            + "$PHYSMASTER_BATCH_* or defaults); any other key is a Kafka Streams config, e.g. num.stream.threads or num.standby.replicas (also "
            + "$PHYSMASTER_STREAMS_STANDBY_REPLICAS, default 0)")
    Path configFile;

    /** Standby replicas of each store on other instances (num.standby.replicas); the --config file's key wins. */
    static final String ENV_STANDBY_REPLICAS = "PHYSMASTER_STREAMS_STANDBY_REPLICAS";

    static final int DEFAULT_METRICS_PORT = 9401;
    static final String ENV_METRICS_HOST = "PHYSMASTER_STREAMS_METRICS_HOST";
    static final String ENV_METRICS_PORT = "PHYSMASTER_STREAMS_METRICS_PORT";

    @Option(names = "--metrics-host", description = MetricsEndpoint.HOST_HELP + ENV_METRICS_HOST + " when set",
            defaultValue = "${env:" + ENV_METRICS_HOST + ":-" + MetricsEndpoint.DEFAULT_HOST + "}")
    String metricsHost;

    @Option(names = "--metrics-port", description = MetricsEndpoint.PORT_HELP + ENV_METRICS_PORT + " when set",
            defaultValue = "${env:" + ENV_METRICS_PORT + ":-" + DEFAULT_METRICS_PORT + "}")
    int metricsPort;

    /**
     * Binds Kafka Streams' own metrics (threads, tasks, processors, stores, the embedded clients' lag, and our
     * processors' sensors such as late preferences) to the role's registry. Metrics that appear later (tasks
     * after a rebalance) are picked up by the binder's periodic refresh.
     */
    public static void bindMetrics(MetricsEndpoint metrics, KafkaStreams streams) {
        metrics.bind(new KafkaStreamsMetrics(streams));
    }

    /** Streams config: exactly-once, changelogged state under stateDir. */
    public static Properties config(String bootstrapServers, Path stateDir) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, PreferenceBatchTopology.APP_ID);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        // Changelog and repartition topics take the broker's default.replication.factor and min.insync.replicas:
        // 1/1 on one broker, 3/2 on the local stack's cluster (PHYSMASTER_REPLICATION_FACTOR overrides, see call).
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, -1);
        // Each exactly-once commit is a transaction round trip (markers on every partition written); committing
        // once a second keeps the thread processing instead of waiting, and adds at most 1 s to a batch's latency.
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
        // Larger producer batches for the changelog and repartition traffic (several records per event).
        p.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), 262_144);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 20);
        // A restarted instance (same state directory) rejoins as a new member: with the consumer's 45 s default
        // it waits out the killed one's session before batching resumes (46.9 s measured vs 11-13 s).
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 2_000);
        return p;
    }

    /**
     * {@value #ENV_STANDBY_REPLICAS}: how many other instances keep a warm copy of each store, so that one taking
     * over a dead instance's tasks restores little from the changelogs (default 0: Kafka Streams' own default).
     */
    static java.util.OptionalInt standbyReplicas(Map<String, String> env) {
        String v = env.get(ENV_STANDBY_REPLICAS);
        if (v == null || v.isBlank()) {
            return java.util.OptionalInt.empty();
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 0) {
                return java.util.OptionalInt.of(n);
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw new IllegalArgumentException(ENV_STANDBY_REPLICAS + " must be a whole number >= 0, got '" + v + "'");
    }

    public static PreferenceBatchTopology.AvroSerdes serdes(PhysSerdes s) {
        return new PreferenceBatchTopology.AvroSerdes(s.value(GeneratedVideo.class).deserializer(),
                s.value(PreferenceEvent.class).deserializer(), s.value(PreferenceBatch.class),
                s.value(DeadLetter.class));
    }

    @Override
    public Integer call() throws Exception {
        Properties file = new Properties();
        if (configFile != null) {
            try (Reader r = Files.newBufferedReader(configFile)) {
                file.load(r);
            } catch (IOException e) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "cannot read --config " + configFile + ": " + e.getMessage());
            }
        }
        // Settings: defaults < environment < config file.
        Properties batch = new Properties();
        batch.putAll(StreamsSettings.fromEnv(System.getenv()).toProperties());
        Properties streamsConfig = config(bootstrap, stateDir);
        streamsConfig.putAll(KafkaSecurity.fromEnv(System.getenv())); // TLS and SASL, when PHYSMASTER_KAFKA_* say so
        String factor = System.getenv(Replication.ENV_FACTOR);
        if (factor != null && !factor.isBlank()) {
            Replication r = Replication.fromEnv(System.getenv(), 1);
            streamsConfig.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) r.factor());
            streamsConfig.put(StreamsConfig.topicPrefix("min.insync.replicas"), r.minInsyncReplicas());
        }
        try {
            standbyReplicas(System.getenv()).ifPresent(n -> streamsConfig.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, n));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
        }
        for (String key : file.stringPropertyNames()) {
            (key.startsWith("batch.") ? batch : streamsConfig).setProperty(key, file.getProperty(key));
        }
        StreamsSettings settings = StreamsSettings.fromProperties(batch);

        // The registry's credentials as every role takes them (PHYSMASTER_KAFKA_CONFIG file or environment).
        Map<String, Object> registryConfig = ConnectionSettings.fromEnv().with(null, registry, null).registryConfig();
        try (PhysSerdes s = PhysSerdes.of(registryConfig);
             MetricsEndpoint metrics = MetricsEndpoint.start("streams", metricsHost, metricsPort)) {
            KafkaStreams streams = new KafkaStreams(PreferenceBatchTopology.build(settings, serdes(s)), streamsConfig);
            bindMetrics(metrics, streams);
            CountDownLatch stopped = new CountDownLatch(1);
            streams.setStateListener((now, before) -> {
                if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                    stopped.countDown();
                }
            });
            streams.setUncaughtExceptionHandler(e -> {
                System.err.println("streams thread failed, replacing it: " + e);
                return StreamThreadExceptionResponse.REPLACE_THREAD;
            });
            Thread hook = new Thread(() -> {
                streams.close(Duration.ofSeconds(30));
                stopped.countDown();
            }, "streams-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            streams.start();
            System.out.println("preference batcher running on " + bootstrap + ": window " + settings.window()
                    + ", grace " + settings.grace() + ", max pairs " + settings.maxBatchPairs() + ", min confidence "
                    + settings.minConfidence() + ", video wait " + settings.videoWait());
            stopped.await();
            if (streams.state() == KafkaStreams.State.ERROR) {
                System.err.println("preference batcher stopped with an error");
                streams.close(Duration.ofSeconds(30));
                return 1;
            }
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new PreferenceStreamsApp()).execute(args));
    }
}
