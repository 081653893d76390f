package io.physmaster.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The learning-curve plot redrawn from a report.json, and bad report files. */
class MetricsPlotTest {

    private static String interval(double change, double low, double high) {
        return "{\"change\": " + change + ", \"low\": " + low + ", \"high\": " + high + ", \"scenes\": 32}";
    }

    private static String row(String version, double pairs, String l2, String cd, String judge) {
        return "{\"version\": \"" + version + "\", \"pairs\": " + pairs + ", \"l2\": 0.06, \"l2_change\": " + l2
                + ", \"cd_change\": " + cd + ", \"judge_change\": " + judge + "}";
    }

    @Test
    void replotDrawsThreePanelsWithBandsFromTheReport(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("online.json");
        Files.writeString(json, "[" + row("stage1", 0, "null", "null", "null") + ", "
                + row("online-1", 40, interval(-0.01, -0.03, 0.01), interval(-0.02, -0.04, 0.0),
                        interval(-0.005, -0.02, 0.01)) + ", "
                + row("online-2", 90, interval(-0.03, -0.07, 0.01), "null", interval(-0.01, -0.03, 0.01)) + "]");
        Path png = MetricsPlot.replot(json);
        assertEquals(dir.resolve("online.png"), png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img);
        assertEquals(3 * MetricsPlot.PANEL_WIDTH, img.getWidth());
        assertEquals(MetricsPlot.PANEL_HEIGHT, img.getHeight());
        for (int p = 0; p < 3; p++) {
            int coloured = 0;
            for (int y = 40; y < MetricsPlot.PANEL_HEIGHT - 80; y++) {
                for (int x = p * MetricsPlot.PANEL_WIDTH + 80; x < (p + 1) * MetricsPlot.PANEL_WIDTH - 10; x++) {
                    int rgb = img.getRGB(x, y);
                    int r = (rgb >> 16) & 0xff;
                    int b = rgb & 0xff;
                    if (b - r > 30) { // the curve's blue and its band
                        coloured++;
                    }
                }
            }
            assertTrue(coloured > 100, "panel " + p + " has only " + coloured + " blue pixels");
        }
    }

    @Test
    void badReportsAreRefusedClearly(@TempDir Path dir) throws Exception {
        Path notList = Files.writeString(dir.resolve("a.json"), "{\"version\": \"stage1\"}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MetricsPlot.replot(notList));
        assertTrue(e.getMessage().contains("not a demo report.json"), e.getMessage());
        Path noPairs = Files.writeString(dir.resolve("b.json"), "[{\"version\": \"stage1\"}]");
        e = assertThrows(IllegalArgumentException.class, () -> MetricsPlot.replot(noPairs));
        assertTrue(e.getMessage().contains("numeric 'pairs'"), e.getMessage());

        assertEquals(2, new CommandLine(new DemoMain()).execute("--replot", dir.resolve("missing.json").toString()));
        assertFalse(Files.exists(dir.resolve("missing.png")));
    }
}
