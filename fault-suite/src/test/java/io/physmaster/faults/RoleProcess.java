package io.physmaster.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A role (or the broker) as a real child JVM on the test classpath, so that {@link #kill()} is a real SIGKILL:
 * no shutdown hook, no clean close, nothing flushed. Its output goes to a log file next to the others.
 */
final class RoleProcess implements AutoCloseable {

    private final String name;
    private final List<String> command;
    private final Map<String, String> env;
    private final Path log;
    private Process process;
    private final Thread hook;

    private RoleProcess(String name, List<String> command, Map<String, String> env, Path log) {
        this.name = name;
        this.command = command;
        this.env = env;
        this.log = log;
        // If the test JVM dies first, no role may outlive it.
        this.hook = new Thread(() -> {
            if (process != null) {
                process.destroyForcibly();
            }
        }, "kill-" + name);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Starts {@code main} with {@code args} in a JVM of at most {@code heapMb} MB heap, with the test JVM's
     * environment changed by {@code env} (a null value removes the variable).
     */
    static RoleProcess start(String name, int heapMb, String main, List<String> args, Map<String, String> env,
                             Path logDir) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Xmx" + heapMb + "m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "-Dphysmaster.role=" + name, "-Dphysmaster.logs=" + logDir.toAbsolutePath()));
        cmd.add(main);
        cmd.addAll(args);
        RoleProcess p = new RoleProcess(name, cmd, env, logDir.resolve(name + ".out"));
        p.start();
        return p;
    }

    /** (Re)starts the same command, appending to the same log. */
    void start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is running");
        }
        Files.createDirectories(log.getParent());
        Files.writeString(log, "---- start " + java.time.Instant.now() + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        env.forEach((k, v) -> {
            if (v == null) {
                b.environment().remove(k);
            } else {
                b.environment().put(k, v);
            }
        });
        process = b.start();
        process.getOutputStream().close();
    }

    /** kill -9: the process gets no chance to commit, flush or close anything. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " survived SIGKILL");
        }
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    String name() {
        return name;
    }

    /** Whether the log contains {@code text} (the role's own events, e.g. "event=worker_ready"). */
    boolean logged(String text) {
        try {
            return Files.exists(log) && Files.readString(log).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    /** How many times {@code text} occurs in the log. */
    int count(String text) {
        try {
            String all = Files.exists(log) ? Files.readString(log) : "";
            int n = 0;
            for (int i = all.indexOf(text); i >= 0; i = all.indexOf(text, i + text.length())) {
                n++;
            }
            return n;
        } catch (IOException e) {
            return 0;
        }
    }

    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM, then SIGKILL if it does not stop within 20 s. */
    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs anyway
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + (process == null ? "-" : process.pid()) + ")";
    }
}
