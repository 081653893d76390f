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
        return reply(logger, level, "m");
    }

    private FilterReply reply(String logger, Level level, String message) {
        return filter.decide(new LoggingEvent(logger, context.getLogger(logger), level, message, null, null));
    }

    @AfterEach
    void quiet() {
        System.clearProperty("physmaster.verbose");
        System.clearProperty("physmaster.console.info");
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

    @Test
    void expectedLibraryWarningsStayInTheFileUnlessVerbose() {
        String cuda = "ai.djl.util.cuda.CudaUtils";
        assertEquals(FilterReply.DENY, reply(cuda, Level.WARN, "Failed to detect GPU count: CUDA driver version"));
        assertEquals(FilterReply.NEUTRAL, reply(cuda, Level.WARN, "something else"));
        assertEquals(FilterReply.DENY, reply("org.apache.kafka.clients.NetworkClient", Level.WARN,
                "[Consumer clientId=c] The metadata response from the cluster reported a recoverable issue with"));
        System.setProperty("physmaster.verbose", "true");
        assertEquals(FilterReply.NEUTRAL, reply(cuda, Level.WARN, "Failed to detect GPU count: CUDA driver version"));
    }

    @Test
    void infoFromNarrowsWhichOfOurLoggersShowInfo() {
        System.setProperty("physmaster.console.info", "io.physmaster.launcher");
        assertEquals(FilterReply.NEUTRAL, reply("io.physmaster.launcher.ClosedLoopDemo", Level.INFO));
        assertEquals(FilterReply.DENY, reply("io.physmaster.judge.JudgeSource", Level.INFO));
        assertEquals(FilterReply.NEUTRAL, reply("io.physmaster.judge.JudgeSource", Level.WARN));
        System.setProperty("physmaster.console.info", "io.physmaster.launcher, io.physmaster.trainer");
        assertEquals(FilterReply.NEUTRAL, reply("io.physmaster.trainer.Promotion", Level.INFO));
        System.setProperty("physmaster.verbose", "true");
        assertEquals(FilterReply.NEUTRAL, reply("io.physmaster.judge.JudgeSource", Level.INFO));
    }
}
