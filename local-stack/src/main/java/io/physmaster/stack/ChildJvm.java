package io.physmaster.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server in its own JVM, with its output in a log file. A shutdown hook destroys it if the parent exits
 * first, so Ctrl-C never leaves a broker or registry behind.
 */
final class ChildJvm implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path logFile;
    private final Thread hook;

    private ChildJvm(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
        this.hook = new Thread(this::destroy, "stop-" + name);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    static ChildJvm start(String name, List<String> jvmArgs, List<String> mainAndArgs, Path logFile)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.addAll(mainAndArgs);
        Files.createDirectories(logFile.getParent());
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        return new ChildJvm(name, p, logFile);
    }

    /** Runs a JVM to completion (e.g. a format tool); throws with its log tail if it fails. */
    static void run(String name, List<String> jvmArgs, List<String> mainAndArgs, Path logFile, Duration timeout)
            throws IOException, InterruptedException {
        try (ChildJvm jvm = start(name, jvmArgs, mainAndArgs, logFile)) {
            if (!jvm.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException(name + " did not finish within " + timeout + "; log: " + logFile);
            }
            if (jvm.process.exitValue() != 0) {
                throw new IOException(name + " failed with exit code " + jvm.process.exitValue() + ":\n"
                        + jvm.logTail(20));
            }
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    Path logFile() {
        return logFile;
    }

    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private void destroy() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy(); // SIGTERM: the servers shut down cleanly
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        destroy();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs (harmlessly) anyway
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
