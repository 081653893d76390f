package io.physmaster.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class StreamsSettingsTest {

    @Test
    void missingKeysTakeTheDefaults() {
        assertEquals(StreamsSettings.DEFAULT, StreamsSettings.fromProperties(new Properties()));
        assertEquals(StreamsSettings.DEFAULT, StreamsSettings.fromEnv(Map.of()));
    }

    @Test
    void propertiesAndEnvironmentParse() {
        Properties p = new Properties();
        p.setProperty("batch.window", "PT1M");
        p.setProperty("batch.grace", "500ms");
        p.setProperty("batch.max.pairs", "16");
        p.setProperty("batch.min.confidence", "0.75");
        p.setProperty("batch.video.wait", "10s");
        p.setProperty("batch.dedup.retention", "2h");
        StreamsSettings s = StreamsSettings.fromProperties(p);
        assertEquals(new StreamsSettings(Duration.ofMinutes(1), Duration.ofMillis(500), 16, 0.75f,
                Duration.ofSeconds(10), Duration.ofHours(2)), s);
        Properties back = new Properties();
        back.putAll(s.toProperties());
        assertEquals(s, StreamsSettings.fromProperties(back), "toProperties round-trips");
        assertEquals(16, StreamsSettings.fromEnv(Map.of("PHYSMASTER_BATCH_MAX_PAIRS", "16")).maxBatchPairs());
        assertEquals(Duration.ofDays(1), StreamsSettings.fromEnv(Map.of("PHYSMASTER_BATCH_WINDOW", "1d")).window());
    }

    @Test
    void badValuesSayWhichKeyIsWrong() {
        Properties p = new Properties();
        p.setProperty("batch.window", "soon");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StreamsSettings.fromProperties(p))
                .getMessage().startsWith("batch.window"));
        assertThrows(IllegalArgumentException.class, () -> new StreamsSettings(Duration.ZERO, Duration.ZERO, 1, 0.5f,
                Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new StreamsSettings(Duration.ofSeconds(1),
                Duration.ZERO, 0, 0.5f, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new StreamsSettings(Duration.ofSeconds(1),
                Duration.ZERO, 1, 1.5f, Duration.ZERO));
    }
}
