package io.physmaster.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The eval figure from an eval JSON alone, and {@code eval --replot} on good and bad files. */
class EvalPlotTest {

    private static int replot(StringWriter err, Path json) {
        CommandLine cli = new CommandLine(new EvalCli());
        cli.setErr(new PrintWriter(err, true));
        // The command prints its own one-line errors to System.err; the exit code is what is checked here.
        return cli.execute("--replot", json.toString());
    }

    /** Pixels with a clear hue (data, intervals) inside one cell of the figure. */
    private static int coloured(BufferedImage img, int x0, int y0) {
        int n = 0;
        for (int y = y0 + 40; y < y0 + EvalPlot.PANEL_HEIGHT - 80; y++) {
            for (int x = x0 + 80; x < x0 + EvalPlot.PANEL_WIDTH - 10; x++) {
                int rgb = img.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 30) {
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    void replotDrawsFiguresAndPairedChangesFromTheJson(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("table.json");
        Files.writeString(json, EvalTableTest.table().json());
        assertEquals(0, replot(new StringWriter(), json));
        Path png = dir.resolve("table-plot.png");
        assertEquals(png, EvalPlot.pngFor(json));
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img);
        // L2, CD, IoU, one piece: a row each, figures on the left and changes against stage1 on the right.
        assertEquals(2 * EvalPlot.PANEL_WIDTH, img.getWidth());
        assertEquals(4 * EvalPlot.PANEL_HEIGHT, img.getHeight());
        for (int row = 0; row < 4; row++) {
            for (int col = 0; col < 2; col++) {
                int c = coloured(img, col * EvalPlot.PANEL_WIDTH, row * EvalPlot.PANEL_HEIGHT);
                assertTrue(c > 30, "cell " + row + "," + col + " has only " + c + " coloured pixels");
            }
        }
    }

    @Test
    void filesWithoutIntervalsOrRowsAreRefusedClearly(@TempDir Path dir) throws Exception {
        Path old = dir.resolve("old.json");
        Files.writeString(old, "[{\"variant\": \"static\", \"split\": \"seen\", \"scope\": \"all\", \"l2\": 0.1}]");
        assertEquals(2, replot(new StringWriter(), old));
        assertFalse(Files.exists(dir.resolve("old-plot.png")));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> EvalPlot.replot(old));
        assertTrue(e.getMessage().contains("no per-metric rows with intervals"), e.getMessage());

        Path empty = dir.resolve("empty.json");
        Files.writeString(empty, "[]");
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> EvalPlot.replot(empty));
        assertTrue(e.getMessage().contains("not an eval JSON"), e.getMessage());

        assertEquals(2, replot(new StringWriter(), dir.resolve("missing.json")));
    }
}
