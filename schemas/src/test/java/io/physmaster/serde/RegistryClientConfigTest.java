package io.physmaster.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class RegistryClientConfigTest {

    @Test
    void readsConfluentKeys() {
        RegistryClientConfig c = RegistryClientConfig.from(Map.of(
                "schema.registry.url", "http://a:8081/apis/ccompat/v7/, http://b:8081",
                "basic.auth.credentials.source", "USER_INFO",
                "basic.auth.user.info", "alice:secret",
                "max.retries", "5"));
        assertEquals(List.of("http://a:8081/apis/ccompat/v7", "http://b:8081"), c.urls());
        assertEquals("alice:secret", c.userInfo());
        assertEquals(5, c.maxRetries());
        assertEquals(250, c.retryWaitMs());
    }

    @Test
    void readsConfluentsOlderUserInfoKeyToo() {
        assertEquals("carol:pw", RegistryClientConfig.from(Map.of("schema.registry.url", "http://x",
                "schema.registry.basic.auth.user.info", "carol:pw")).userInfo());
        assertEquals("dave:new", RegistryClientConfig.from(Map.of("schema.registry.url", "http://x",
                "schema.registry.basic.auth.user.info", "carol:old", "basic.auth.user.info", "dave:new")).userInfo());
    }

    @Test
    void userInfoFromUrl() {
        RegistryClientConfig c = RegistryClientConfig.from(Map.of(
                "schema.registry.url", "http://bob:pw@reg:8081",
                "basic.auth.credentials.source", "URL"));
        assertEquals("bob:pw", c.userInfo());
        assertEquals(List.of("http://reg:8081"), c.urls());
    }

    @Test
    void noAuthByDefault() {
        assertNull(RegistryClientConfig.from(Map.of("schema.registry.url", "http://x")).userInfo());
    }

    @Test
    void missingUrlSaysWhatToSet() {
        ConfigException e = assertThrows(ConfigException.class, () -> RegistryClientConfig.from(Map.of()));
        assertTrue(e.getMessage().contains("schema.registry.url"), e.getMessage());
    }

    @Test
    void badRetriesRejected() {
        assertThrows(ConfigException.class, () -> RegistryClientConfig.from(Map.of(
                "schema.registry.url", "http://x", "max.retries", "many")));
    }
}
