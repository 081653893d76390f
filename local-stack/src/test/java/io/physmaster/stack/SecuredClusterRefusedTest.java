package io.physmaster.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The secured profile runs one broker: asking for it on a cluster is refused before any process starts, and the
 * command line reports it as a usage error rather than a stack trace.
 */
class SecuredClusterRefusedTest {

    @TempDir
    Path dir;

    @Test
    void securedStackWithThreeBrokersIsRefusedBeforeStartingAnything() {
        Path data = dir.resolve("stack");
        LocalStackConfig config = new LocalStackConfig(data, 0, 0, false, Duration.ofSeconds(5)).withBrokers(3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LocalStack.start(config, true));
        assertEquals(LocalStack.SECURED_ONE_BROKER, e.getMessage());
        assertFalse(Files.exists(data), "nothing made under the data dir");
    }

    @Test
    void commandLineSaysWhyAndExitsWithAUsageError() {
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new LocalStackMain());
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute("--secured", "--brokers", "3", "--data-dir", dir.resolve("stack").toString());
        assertEquals(2, code);
        assertTrue(err.toString().contains("one broker only"), err.toString());
        assertFalse(Files.exists(dir.resolve("stack")), "nothing made under the data dir");
    }
}
