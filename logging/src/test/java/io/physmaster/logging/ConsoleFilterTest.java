package io.physmaster.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.spi.FilterReply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConsoleFilterTest {

    private final LoggerContext context = new LoggerContext();
    private final ConsoleFilter filter = new ConsoleFilter();

    private FilterReply reply(String logger, Level level) {
        return filter.decide(new LoggingEvent(logger, context.getLogger(logger), level, "m", null, null));
    }

    @AfterEach
    void quiet() {
        System.clearProperty("physmaster.verbose");
    }

    @Test
    void ourInfoShowsLibraryInfoDoesNot() {
        assertEquals(FilterReply.NEUTRAL, reply("io.physmaster.worker.GenerationWorker", Level.INFO));
        assertEquals(FilterReply.DENY, reply("io.physmaster.worker.GenerationWorker", Level.DEBUG));
        assertEquals(FilterReply.DENY, reply("org.apache.kafka.clients.consumer.ConsumerConfig", Level.INFO));
        assertEquals(FilterReply.NEUTRAL, reply("org.apache.kafka.clients.NetworkClient", Level.WARN));
    }

    @Test
    void verboseLetsLibraryInfoThrough() {
        System.setProperty("physmaster.verbose", "true");
        assertEquals(FilterReply.NEUTRAL, reply("org.apache.kafka.clients.consumer.ConsumerConfig", Level.INFO));
        assertEquals(FilterReply.DENY, reply("org.apache.kafka.clients.consumer.ConsumerConfig", Level.DEBUG));
    }
}
