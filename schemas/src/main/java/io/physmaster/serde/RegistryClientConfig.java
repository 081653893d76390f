package io.physmaster.serde;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/**
 * Registry connection settings, read from the same config keys Confluent's serializers use, so a deployment
 * can switch to Confluent's KafkaAvroSerializer by changing only the serializer class.
 *
 * @param urls        {@code schema.registry.url}: one or more base URLs, comma separated
 * @param userInfo    {@code basic.auth.user.info} ("user:password"; or the older
 *                    {@code schema.registry.basic.auth.user.info}) when {@code basic.auth.credentials.source}
 *                    is USER_INFO, or the user info embedded in the URL when it is URL; null for none
 * @param maxRetries  {@code max.retries}: retries of a failed call (default 3)
 * @param retryWaitMs {@code retries.wait.ms}: first backoff, doubled each retry (default 250)
 * @param timeoutMs   {@code schema.registry.connect.timeout.ms}: connect timeout (default 10000)
 */
public record RegistryClientConfig(List<String> urls, String userInfo, int maxRetries, long retryWaitMs,
                                   int timeoutMs) {

    public static final String URL = "schema.registry.url";
    public static final String CREDENTIALS_SOURCE = "basic.auth.credentials.source";
    public static final String USER_INFO = "basic.auth.user.info";
    /** Confluent's older name of {@link #USER_INFO}, still read by its serializers. */
    public static final String LEGACY_USER_INFO = "schema.registry.basic.auth.user.info";
    public static final String MAX_RETRIES = "max.retries";
    public static final String RETRIES_WAIT_MS = "retries.wait.ms";
    public static final String CONNECT_TIMEOUT_MS = "schema.registry.connect.timeout.ms";

    public RegistryClientConfig {
        if (urls.isEmpty()) {
            throw new ConfigException(URL, "", "no schema registry URL given");
        }
    }

    public static RegistryClientConfig from(Map<String, ?> configs) {
        Object url = configs.get(URL);
        if (url == null || url.toString().isBlank()) {
            throw new ConfigException("Missing required configuration '" + URL
                    + "' (e.g. http://localhost:8081/apis/ccompat/v7 for the local stack's registry)");
        }
        List<String> urls = Arrays.stream(url.toString().split(","))
                .map(String::trim).filter(s -> !s.isEmpty())
                .map(s -> s.endsWith("/") ? s.substring(0, s.length() - 1) : s)
                .toList();
        Object sourceValue = configs.get(CREDENTIALS_SOURCE);
        String source = sourceValue == null ? "USER_INFO" : sourceValue.toString().trim().toUpperCase();
        String userInfo = null;
        switch (source) {
            case "USER_INFO" -> {
                Object ui = configs.get(USER_INFO) != null ? configs.get(USER_INFO) : configs.get(LEGACY_USER_INFO);
                userInfo = ui == null || ui.toString().isBlank() ? null : ui.toString();
            }
            case "URL" -> {
                String u = java.net.URI.create(urls.get(0)).getUserInfo();
                userInfo = u;
                urls = urls.stream().map(RegistryClientConfig::stripUserInfo).toList();
            }
            default -> throw new ConfigException(CREDENTIALS_SOURCE, source, "must be USER_INFO or URL");
        }
        return new RegistryClientConfig(urls, userInfo,
                intOf(configs, MAX_RETRIES, 3), intOf(configs, RETRIES_WAIT_MS, 250), intOf(configs, CONNECT_TIMEOUT_MS, 10_000));
    }

    private static String stripUserInfo(String url) {
        java.net.URI u = java.net.URI.create(url);
        if (u.getUserInfo() == null) {
            return url;
        }
        return url.replace(u.getRawUserInfo() + "@", "");
    }

    private static int intOf(Map<String, ?> configs, String key, int dflt) {
        Object v = configs.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, v, "must be an integer");
        }
    }
}
