package io.physmaster.streams;

import io.physmaster.schemas.DeadLetter;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.schemas.PreferenceEvent;
import io.physmaster.serde.AvroSerde;
import io.physmaster.serde.PhysSerdes;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code physmaster streams}: runs the preference batcher until SIGTERM/Ctrl-C. */
@Command(name = "streams", mixinStandardHelpOptions = true,
        description = "Kafka Streams: validate, dedupe and batch preference events into windowed preference batches.")
public final class PreferenceStreamsApp implements Callable<Integer> {

    @Option(names = "--state-dir", defaultValue = "run/streams") Path stateDir;

    /** Streams config: exactly-once, changelogged state under stateDir. */
    public static Properties config(String bootstrapServers, Path stateDir) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, PreferenceBatchTopology.APP_ID);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
        return p;
    }

    public static PreferenceBatchTopology.AvroSerdes serdes(PhysSerdes s) {
        AvroSerde<PreferenceEvent> events = s.value(PreferenceEvent.class);
        return new PreferenceBatchTopology.AvroSerdes(s.value(GeneratedVideo.class), events.deserializer(),
                s.value(PreferenceBatch.class), s.value(DeadLetter.class));
    }

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = System.getenv();
        String bootstrap = env.getOrDefault("PHYSMASTER_BOOTSTRAP_SERVERS", "localhost:9092");
        String registry = env.getOrDefault("PHYSMASTER_SCHEMA_REGISTRY_URL", "http://localhost:8081/apis/ccompat/v7");
        StreamsSettings settings = StreamsSettings.fromEnv(env);
        try (PhysSerdes s = PhysSerdes.of(Map.of("schema.registry.url", registry))) {
            KafkaStreams streams = new KafkaStreams(PreferenceBatchTopology.build(settings, serdes(s)),
                    config(bootstrap, stateDir));
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                streams.close();
                stopped.countDown();
            }, "streams-shutdown"));
            streams.setUncaughtExceptionHandler(e -> {
                System.err.println("streams error: " + e);
                return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse
                        .REPLACE_THREAD;
            });
            streams.start();
            System.out.println("preference batcher running: window " + settings.window() + ", grace "
                    + settings.grace() + ", max pairs " + settings.maxBatchPairs());
            stopped.await();
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new PreferenceStreamsApp()).execute(args));
    }
}
