package io.physmaster.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.apache.kafka.common.utils.Utils;

/**
 * The Python client in test resources, run with Debian's python3 and its python3-confluent-kafka (librdkafka) and
 * python3-avro packages, which are installed here when missing (the test machine starts without them).
 */
final class LibrdkafkaClient {

    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final String[] PACKAGES = {"python3-confluent-kafka", "python3-avro"};

    static void ensureInstalled() throws IOException, InterruptedException {
        if (importable()) {
            return;
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("python3-confluent-kafka and python3-avro are missing and installing "
                    + "them needs root: apt-get install " + String.join(" ", PACKAGES));
        }
        String install = "apt-get install -y -q " + String.join(" ", PACKAGES);
        for (String cmd : List.of(install, "apt-get update -q && " + install)) {
            Process p = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            if (p.waitFor(10, TimeUnit.MINUTES) && importable()) {
                return;
            }
        }
        throw new IllegalStateException("could not install Debian's " + String.join(" and ", PACKAGES));
    }

    private static boolean importable() throws IOException, InterruptedException {
        if (!Files.isExecutable(PYTHON)) {
            return false;
        }
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import confluent_kafka, avro.io")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    /** The partition librdkafka's default (consistent_random) partitioner picks for a key: CRC32 mod n. */
    static int crc32Partition(String key, int partitions) {
        CRC32 crc = new CRC32();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % partitions);
    }

    /** The partition Java's default partitioner picks for a key: murmur2 mod n. */
    static int murmur2Partition(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** {@code n} request ids that librdkafka and Java put on different partitions of a 6-partition topic. */
    static List<String> idsOnOtherPartitions(int n) {
        List<String> ids = new ArrayList<>();
        while (ids.size() < n) {
            String id = Records.id("py");
            if (crc32Partition(id, 6) != murmur2Partition(id, 6)) {
                ids.add(id);
            }
        }
        return ids;
    }

    /** Runs the client; returns its JSON summary. Its progress lines go to {@code log}. */
    static JsonNode run(String bootstrap, String registryUrl, List<String> ids, Path work, Path log, Duration timeout)
            throws IOException, InterruptedException {
        Path schemas = Files.createDirectories(work.resolve("schemas"));
        for (String name : List.of("GenerationRequest", "PreferenceEvent")) {
            copy("/io/physmaster/schemas/" + name + ".avsc", schemas.resolve(name + ".avsc"));
        }
        Path script = work.resolve("librdkafka_client.py");
        copy("/librdkafka_client.py", script);
        Path frame = work.resolve("frame.png");
        Files.write(frame, Records.png(3));
        Path out = work.resolve("librdkafka-summary.json");
        Process p = new ProcessBuilder(PYTHON.toString(), script.toString(), "--bootstrap", bootstrap,
                "--registry", registryUrl, "--schemas", schemas.toString(), "--frame", frame.toString(),
                "--ids", String.join(",", ids), "--timeout", Long.toString(timeout.toSeconds()))
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        p.getOutputStream().close();
        if (!p.waitFor(timeout.toSeconds() + 60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("the librdkafka client did not finish; log: " + log);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("the librdkafka client failed (exit " + p.exitValue() + "):\n"
                    + Files.readString(log));
        }
        return new ObjectMapper().readTree(out.toFile());
    }

    private static void copy(String resource, Path to) throws IOException {
        try (InputStream in = LibrdkafkaClient.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("no resource " + resource + " on the test classpath");
            }
            Files.write(to, in.readAllBytes());
        }
    }

    private LibrdkafkaClient() {
    }
}
