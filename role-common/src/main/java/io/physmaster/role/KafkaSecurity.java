package io.physmaster.role;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * A role's Kafka client security from its environment (nothing set: plaintext, as on one machine):
 * <ul>
 *   <li>{@code PHYSMASTER_KAFKA_CONFIG}: a Kafka client properties file (security.protocol, sasl.*, ssl.*),
 *       e.g. the one the secured local stack writes for each role;</li>
 *   <li>{@code PHYSMASTER_KAFKA_USERNAME} with {@code PHYSMASTER_KAFKA_PASSWORD_FILE} (a docker secret, say) or
 *       {@code PHYSMASTER_KAFKA_PASSWORD}: SCRAM credentials ({@code PHYSMASTER_KAFKA_SASL_MECHANISM}, default
 *       SCRAM-SHA-512) over {@code PHYSMASTER_KAFKA_SECURITY_PROTOCOL} (default SASL_SSL);</li>
 *   <li>{@code PHYSMASTER_KAFKA_TRUSTSTORE}: the cluster's CA certificate(s) as a PEM file.</li>
 * </ul>
 * The variables override the file's entries. The file may also hold the schema registry's settings under
 * Confluent's key names ({@code schema.registry.url}, {@code basic.auth.credentials.source},
 * {@code basic.auth.user.info}), as a Confluent client's properties file does: {@link #registryConfig} returns
 * them, and they are left out of the Kafka clients' settings.
 */
public final class KafkaSecurity {

    public static final String ENV_CONFIG = "PHYSMASTER_KAFKA_CONFIG";
    public static final String ENV_USERNAME = "PHYSMASTER_KAFKA_USERNAME";
    public static final String ENV_PASSWORD = "PHYSMASTER_KAFKA_PASSWORD";
    public static final String ENV_PASSWORD_FILE = "PHYSMASTER_KAFKA_PASSWORD_FILE";
    public static final String ENV_MECHANISM = "PHYSMASTER_KAFKA_SASL_MECHANISM";
    public static final String ENV_PROTOCOL = "PHYSMASTER_KAFKA_SECURITY_PROTOCOL";
    public static final String ENV_TRUSTSTORE = "PHYSMASTER_KAFKA_TRUSTSTORE";

    public static Properties fromEnv(Map<String, String> env) {
        Properties p = configFile(env);
        p.stringPropertyNames().stream().filter(KafkaSecurity::isRegistryKey).forEach(p::remove);
        String user = env.get(ENV_USERNAME);
        if (user != null) {
            p.put("security.protocol", env.getOrDefault(ENV_PROTOCOL, "SASL_SSL"));
            p.put("sasl.mechanism", env.getOrDefault(ENV_MECHANISM, "SCRAM-SHA-512"));
            p.put("sasl.jaas.config", jaas(user, password(env)));
        } else if (env.containsKey(ENV_PROTOCOL)) {
            p.put("security.protocol", env.get(ENV_PROTOCOL));
        }
        String trust = env.get(ENV_TRUSTSTORE);
        if (trust != null) {
            p.put("ssl.truststore.type", "PEM");
            p.put("ssl.truststore.location", trust);
        }
        return p;
    }

    /** The registry entries of the {@code PHYSMASTER_KAFKA_CONFIG} file (none without one). */
    public static Map<String, String> registryConfig(Map<String, String> env) {
        Properties p = configFile(env);
        Map<String, String> out = new java.util.HashMap<>();
        p.stringPropertyNames().stream().filter(KafkaSecurity::isRegistryKey).forEach(k -> out.put(k, p.getProperty(k)));
        return out;
    }

    private static boolean isRegistryKey(String key) {
        return key.startsWith("schema.registry.") || key.startsWith("basic.auth.");
    }

    private static Properties configFile(Map<String, String> env) {
        Properties p = new Properties();
        String file = env.get(ENV_CONFIG);
        if (file != null) {
            try (Reader r = Files.newBufferedReader(Path.of(file))) {
                p.load(r);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read Kafka client config " + file + " ($" + ENV_CONFIG + "): "
                        + e.getMessage(), e);
            }
        }
        return p;
    }

    /** The JAAS line of a SCRAM client; quotes and backslashes in the values are escaped. */
    public static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + quote(user)
                + "\" password=\"" + quote(password) + "\";";
    }

    private static String password(Map<String, String> env) {
        String file = env.get(ENV_PASSWORD_FILE);
        if (file != null) {
            try {
                return Files.readString(Path.of(file)).strip();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the Kafka password file " + file + " ($"
                        + ENV_PASSWORD_FILE + "): " + e.getMessage(), e);
            }
        }
        String pw = env.get(ENV_PASSWORD);
        if (pw == null) {
            throw new IllegalArgumentException("$" + ENV_USERNAME + " is set but neither $" + ENV_PASSWORD_FILE
                    + " nor $" + ENV_PASSWORD + " is");
        }
        return pw;
    }

    private static String quote(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private KafkaSecurity() {
    }
}
