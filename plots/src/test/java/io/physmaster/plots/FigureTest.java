package io.physmaster.plots;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FigureTest {

    private static Panel curve(String title) {
        return new Panel(title, "judged pairs consumed", "change vs base (%)").signedPercent()
                .baseline("base (stage1)", 0)
                .curve("change", new double[] {0, 20, 60, 140}, new double[] {0, -0.01, -0.02, -0.03},
                        new double[] {0, -0.03, -0.05, -0.07}, new double[] {0, 0.01, 0.01, 0.005});
    }

    private static Panel categories() {
        return new Panel("L2 (lower is better)", "variant", "L2 (mean squared error)")
                .categories(List.of("stage1", "stage1-zero", "stage2"))
                .points("avg of splits", new double[] {0, 1, 2}, new double[] {0.05, 0.052, 0.045},
                        new double[] {0.046, 0.048, 0.041}, new double[] {0.055, 0.057, 0.05})
                .baseline("static", 0.09);
    }

    /** Pixels with a clear hue (not white or a grey of the frame, grid or text) in a panel's inner area. */
    private static int colouredPixels(BufferedImage img, int x0, int y0, int w, int h) {
        int n = 0;
        for (int y = y0 + h / 6; y < y0 + h * 2 / 3; y++) {
            for (int x = x0 + w / 4; x < x0 + w * 9 / 10; x++) {
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
    void writesAPngOfTheGridSizeWithDataInEveryPlotArea(@TempDir Path dir) throws Exception {
        // A null panel leaves its cell empty: top right here.
        Path png = Figure.writePng(Arrays.asList(curve("L2"), null, categories(), curve("CD")), 2, 400, 300,
                dir.resolve("sub/figure.png"));
        assertTrue(Files.size(png) > 0);
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "a PNG that ImageIO can read");
        assertEquals(800, img.getWidth());
        assertEquals(600, img.getHeight());
        int[][] cells = {{0, 0}, {0, 300}, {400, 300}};
        for (int[] c : cells) {
            int coloured = colouredPixels(img, c[0], c[1], 400, 300);
            assertTrue(coloured > 200, "panel at " + c[0] + "," + c[1] + " has only " + coloured + " coloured pixels");
        }
        assertEquals(0, colouredPixels(img, 400, 0, 400, 300), "the empty cell stays white");
    }

    @Test
    void aSinglePointAndAFlatLineStillGetAnAxis() {
        Panel p = new Panel("one version", "judged pairs consumed", "change vs base (%)").signedPercent()
                .curve("change", new double[] {0}, new double[] {0}, new double[] {0}, new double[] {0})
                .baseline("base", 0);
        BufferedImage img = Figure.render(List.of(p), 1, 300, 240);
        assertEquals(300, img.getWidth());
        assertEquals(240, img.getHeight());
        assertTrue(colouredPixels(img, 0, 0, 300, 240) > 0, "the point is drawn");
    }

    @Test
    void badSeriesAreRejectedWithTheirPanelAndName() {
        Panel p = new Panel("L2", "pairs", "L2");
        assertMessage("no points", () -> p.curve("empty", new double[0], new double[0], null, null));
        assertMessage("3 x values but 2 y values",
                () -> p.curve("short", new double[] {0, 1, 2}, new double[] {1, 2}, null, null));
        assertMessage("y at point 1 is NaN",
                () -> p.curve("nan", new double[] {0, 1}, new double[] {1, Double.NaN}, null, null));
        assertMessage("x at point 0 is Infinity",
                () -> p.points("inf", new double[] {Double.POSITIVE_INFINITY}, new double[] {1}, null, null));
        assertMessage("needs both low and high",
                () -> p.curve("half", new double[] {0}, new double[] {1}, new double[] {0}, null));
        assertMessage("2 points but 1 low and 2 high values", () -> p.curve("ragged", new double[] {0, 1},
                new double[] {1, 2}, new double[] {0}, new double[] {2, 3}));
        assertMessage("low 2.0 above high 1.0", () -> p.points("upside-down", new double[] {0}, new double[] {1.5},
                new double[] {2}, new double[] {1}));
        assertMessage("high at point 0 is NaN", () -> p.points("nan-interval", new double[] {0}, new double[] {1},
                new double[] {0}, new double[] {Double.NaN}));
        assertMessage("not a finite number", () -> p.baseline("nan-line", Double.NaN));
        p.curve("ok", new double[] {0}, new double[] {1}, null, null);
        assertMessage("two series or baselines named 'ok'", () -> p.baseline("ok", 1));
        assertMessage("refers to no series 'missing'", () -> p.baseline("line", 1, "missing"));
        Panel cats = new Panel("cats", "variant", "L2").categories(List.of("a", "b"));
        assertMessage("not the index of one of the 2 categories",
                () -> cats.points("far", new double[] {2}, new double[] {1}, null, null));
        assertMessage("not the index of one of the 2 categories",
                () -> cats.points("between", new double[] {0.5}, new double[] {1}, null, null));
        assertMessage("two points at the same category",
                () -> cats.points("twice", new double[] {1, 1}, new double[] {1, 2}, null, null));
        assertMessage("categories must not be empty", () -> new Panel("c", "x", "y").categories(List.of()));
    }

    @Test
    void badFiguresAreRejected() {
        assertMessage("at least one panel", () -> Figure.render(List.of(), 1, 300, 300));
        assertMessage("has no series", () -> Figure.render(List.of(new Panel("bare", "x", "y")), 1, 300, 300));
        assertMessage("at least 160 pixels", () -> Figure.render(List.of(curve("L2")), 1, 20, 300));
        assertMessage("at least 160 pixels", () -> Figure.render(List.of(curve("L2")), 0, 300, 300));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should contain '" + part + "'");
    }
}
