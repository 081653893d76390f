package io.physmaster.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The measured figures of one run, one row per scenario, written as a Markdown table after every scenario (so
 * a failed run still shows what it measured). docs/results/faults.md is a copy of a real run's file.
 */
final class Figures {

    /**
     * One scenario's figures; -1 where a figure does not apply.
     *
     * @param sent     records the scenario put in (requests, preferences, poison)
     * @param expected records that must come out of them (videos, pairs in batches, dead letters)
     * @param lost     expected records that never came out
     * @param duplicated records that came out more than once
     */
    record Row(String scenario, long sent, long expected, long lost, long duplicated, double recoverySeconds,
               String notes) {
    }

    private final Path file;
    private final List<Row> rows = new ArrayList<>();
    private final Instant started = Instant.now();

    Figures(Path file) {
        this.file = file;
    }

    synchronized void add(Row row) {
        rows.removeIf(r -> r.scenario().equals(row.scenario()));
        rows.add(row);
        System.out.printf(Locale.ROOT, "[faults] %s: sent %d, expected %d, lost %d, duplicated %d, "
                + "recovery %s s; %s%n", row.scenario(), row.sent(), row.expected(), row.lost(), row.duplicated(),
                seconds(row.recoverySeconds()), row.notes());
        write();
    }

    private void write() {
        StringBuilder md = new StringBuilder();
        md.append("# Fault suite figures\n\n");
        md.append("Run started ").append(started).append(" on ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores. Command:\n\n```bash\n")
                .append("mvn -B install -DskipTests && mvn -B verify -pl fault-suite   # also part of `mvn -B verify`\n")
                .append("```\n\n");
        md.append("| Scenario | Sent | Expected out | Lost | Duplicated | Recovery (s) | Notes |\n");
        md.append("|---|---:|---:|---:|---:|---:|---|\n");
        for (Row r : rows) {
            md.append("| ").append(r.scenario()).append(" | ").append(count(r.sent())).append(" | ")
                    .append(count(r.expected())).append(" | ").append(count(r.lost())).append(" | ")
                    .append(count(r.duplicated())).append(" | ")
                    .append(seconds(r.recoverySeconds())).append(" | ").append(r.notes()).append(" |\n");
        }
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, md);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String count(long n) {
        return n < 0 ? "-" : Long.toString(n);
    }

    private static String seconds(double s) {
        return s < 0 ? "-" : String.format(Locale.ROOT, "%.1f", s);
    }
}
