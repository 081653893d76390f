package io.physmaster.logging;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;

/** The shipped logback.xml, loaded as a process loads it: what reaches the console and what the file keeps. */
class LogbackConfigTest {

    @TempDir
    Path logs;

    @Test
    void librariesStayOffTheConsoleAtDefaultVerbosityButReachTheFile() throws Exception {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter()); // a fresh context has none; the static one gets it from SLF4J
        context.putProperty("physmaster.logs", logs.toString());
        System.setProperty("physmaster.logs", logs.toString());
        System.setProperty("physmaster.role", "config-test");
        PrintStream err = System.err;
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(console, true, StandardCharsets.UTF_8));
            JoranConfigurator joran = new JoranConfigurator();
            joran.setContext(context);
            joran.doConfigure(getClass().getResource("/logback.xml"));
            Logger kafka = context.getLogger("org.apache.kafka.clients.consumer.ConsumerConfig");
            kafka.info("ConsumerConfig values: bootstrap.servers = [127.0.0.1:9092]");
            context.getLogger("ai.djl.util.cuda.CudaUtils").warn("Failed to detect GPU count: no driver");
            context.getLogger("org.apache.kafka.clients.NetworkClient").warn("Connection to node 1 could not be established");
            context.getLogger("io.physmaster.worker.GenerationWorker").info("event=worker_ready");
        } finally {
            System.setErr(err);
            context.stop();
            System.clearProperty("physmaster.logs");
            System.clearProperty("physmaster.role");
        }
        String shown = console.toString(StandardCharsets.UTF_8);
        assertFalse(shown.contains("ConsumerConfig values"), shown);
        assertFalse(shown.contains("GPU count"), shown);
        assertTrue(shown.contains("Connection to node 1 could not be established"), shown);
        assertTrue(shown.contains("event=worker_ready"), shown);
        String file = Files.readString(logs.resolve("config-test.log"));
        assertTrue(file.contains("ConsumerConfig values") && file.contains("GPU count")
                && file.contains("event=worker_ready"), file);
    }
}
