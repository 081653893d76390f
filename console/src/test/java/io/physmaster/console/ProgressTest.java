package io.physmaster.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A fake clock and a captured stream: what a person would see, without waiting for anything. */
class ProgressTest {

    private static final long S = 1_000_000_000L;

    private long now;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    private Progress.Builder progress(Progress.Mode mode, long total) {
        return Progress.builder("train").total(total).mode(mode).clock(() -> now)
                .out(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    }

    private String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private List<String> lines() {
        return Arrays.stream(text().split("\n")).filter(l -> !l.isEmpty()).toList();
    }

    @Test
    void plainPrintsAtEachTenthOfTheWorkNotAtEveryUpdate() {
        Progress p = progress(Progress.Mode.PLAIN, 1000).build();
        for (int step = 1; step <= 1000; step++) {
            now += S / 100; // 10 ms a step: the time rule never fires in 10 s
            p.update(step, "loss 0.1");
        }
        p.done("saved");
        List<String> lines = lines();
        assertEquals(11, lines.size(), text()); // 10 %, 20 %, ... 100 %, and the final line
        assertTrue(lines.get(0).startsWith("train [##.........."), lines.get(0));
        assertTrue(lines.get(0).contains("100/1000 (10 %)  loss 0.1"), lines.get(0));
        assertTrue(lines.get(10).startsWith("train done in 10s  saved"), lines.get(10));
        assertFalse(text().contains("\r"));
    }

    @Test
    void plainPrintsAtLeastEveryIntervalWhenWorkIsSlow() {
        Progress p = progress(Progress.Mode.PLAIN, 1_000_000).every(Duration.ofSeconds(30)).build();
        for (int i = 1; i <= 600; i++) { // ten minutes, one update a second, far from 10 %
            now += S;
            p.update(i, "");
        }
        assertEquals(20, lines().size(), text());
    }

    @Test
    void plainWithUnknownTotalUsesTimeOnly() {
        Progress p = progress(Progress.Mode.PLAIN, 0).build();
        for (int i = 1; i <= 90; i++) {
            now += S;
            p.update(i, "");
        }
        assertEquals(List.of("train 30  30s", "train 60  1m00s", "train 90  1m30s"), lines());
    }

    @Test
    void lineModeRedrawsInPlaceAtABoundedRate() {
        Progress p = progress(Progress.Mode.LINE, 100).build();
        for (int i = 1; i <= 100; i++) {
            now += S / 10; // ten updates a second
            p.update(i, "");
        }
        // at most one redraw per 250 ms: of updates 100 ms apart, the first and then every third
        assertEquals(34, text().chars().filter(c -> c == '\r').count());
        assertFalse(text().contains("\n"));
        p.done("");
        assertEquals(1, text().chars().filter(c -> c == '\n').count(), "one newline: the final line");
        assertTrue(text().endsWith("\rtrain done in 10s\n"), text());
    }

    @Test
    void lineModeKeepsNotesAboveTheStatusLine() {
        Progress p = progress(Progress.Mode.LINE, 10).build();
        p.update(1, "");
        p.note("version 1 published");
        String t = text();
        String status = "train [##..................] 1/10 (10 %)  0s";
        assertEquals("\r" + status + "\r" + " ".repeat(status.length()) + "\rversion 1 published\n" + status, t);
    }

    @Test
    void lineModeCutsTheLineToTheTerminalWidth() {
        Progress p = progress(Progress.Mode.LINE, 0).width(30).build();
        p.update(5, "x".repeat(100));
        assertEquals(30, text().length()); // "\r" + 29 characters: never wraps
    }

    @Test
    void estimatesTimeLeftFromThePaceSinceTheFirstUpdate() {
        Progress p = progress(Progress.Mode.PLAIN, 1000).build();
        p.update(200, ""); // resumed at step 200: the estimate counts from here
        now += 60 * S;
        p.update(300, ""); // 100 steps a minute, 700 to go
        assertTrue(lines().get(0).endsWith("1m00s, ~7m00s left"), lines().get(0));
    }

    @Test
    void theEstimateIgnoresTheTimeBeforeTheFirstUpdate() {
        Progress p = progress(Progress.Mode.PLAIN, 1000).build();
        now += 600 * S; // ten minutes of set-up before any work is counted
        p.update(0, "");
        now += 60 * S;
        p.update(100, ""); // 100 steps a minute from here, 900 to go
        String last = lines().get(lines().size() - 1);
        assertTrue(last.endsWith("11m00s, ~9m00s left"), last);
    }

    @Test
    void fractionDrivesBarAndEstimate() {
        Progress p = progress(Progress.Mode.PLAIN, 0).build();
        p.fraction(0, "");
        now += 120 * S;
        p.fraction(0.25, "12 versions");
        assertEquals("train [#####...............] (25 %)  12 versions  2m00s, ~6m00s left", lines().get(0));
    }

    @Test
    void durationsReadLikeAPersonWouldSayThem() {
        assertEquals("42s", Progress.duration(42.4));
        assertEquals("3m05s", Progress.duration(185));
        assertEquals("1h02m", Progress.duration(3725));
    }

    @Test
    void doneIsPrintedOnce() {
        Progress p = progress(Progress.Mode.PLAIN, 10).build();
        p.done("a");
        p.done("b");
        p.update(10, "");
        assertEquals(List.of("train done in 0s  a"), lines());
    }
}
