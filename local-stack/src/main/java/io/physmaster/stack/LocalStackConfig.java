package io.physmaster.stack;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How to start the local stack.
 *
 * @param dataDir       broker data, registry database and logs; null for a temp dir deleted on close
 * @param kafkaPort     broker port on 127.0.0.1 (0 = any free port)
 * @param registryPort  registry HTTP port on 127.0.0.1 (0 = any free port)
 * @param withRegistry  start the schema registry too
 * @param startTimeout  how long each server may take to become ready
 */
public record LocalStackConfig(Path dataDir, int kafkaPort, int registryPort, boolean withRegistry,
                               Duration startTimeout) {

    /** Free ports and a temp dir: what tests use. */
    public static LocalStackConfig ephemeral() {
        return new LocalStackConfig(null, 0, 0, true, Duration.ofSeconds(120));
    }

    /** The CLI defaults: the well-known ports, data under ./run/stack. */
    public static LocalStackConfig defaults() {
        return new LocalStackConfig(Path.of("run", "stack"), 9092, 8081, true, Duration.ofSeconds(120));
    }
}
