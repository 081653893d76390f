package io.physmaster.role;

import picocli.CommandLine.Option;

/** The connection options of every command line (a picocli mixin); unset options fall back to the environment. */
public final class ConnectionOptions {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Kafka brokers (default: $" + ConnectionSettings.ENV_BOOTSTRAP + " or "
                    + ConnectionSettings.DEFAULT_BOOTSTRAP + ")")
    String bootstrapServers;

    @Option(names = "--registry", paramLabel = "URL",
            description = "Confluent-API schema registry (default: $" + ConnectionSettings.ENV_REGISTRY + " or "
                    + ConnectionSettings.DEFAULT_REGISTRY + ")")
    String registry;

    @Option(names = "--blob-store", paramLabel = "DIR|s3://BUCKET",
            description = "Blob store for videos, large first frames and checkpoints (default: $"
                    + ConnectionSettings.ENV_BLOBS + " or " + ConnectionSettings.DEFAULT_BLOBS + ")")
    String blobStore;

    /** The environment's settings with the options given on the command line put in place. */
    public ConnectionSettings settings() {
        return ConnectionSettings.fromEnv().with(bootstrapServers, registry, blobStore);
    }
}
