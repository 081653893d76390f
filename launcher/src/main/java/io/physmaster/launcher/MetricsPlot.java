package io.physmaster.launcher;

import io.physmaster.sim.metrics.PairedBootstrap;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import javax.imageio.ImageIO;

/**
 * The learning curve as three small charts (L2, CD, judge score), each the relative change against the base
 * over the judged pairs consumed, with the 95 % interval as a band: where the band covers zero, nothing changed.
 */
final class MetricsPlot {

    private static final int W = 960;
    private static final int H = 340;

    static Path write(List<DemoReport.Row> rows, Path png) throws IOException {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        panel(g, 0, "L2 vs base (lower is better)", rows, DemoReport.Row::l2);
        panel(g, 1, "CD vs base (lower is better)", rows, DemoReport.Row::cd);
        panel(g, 2, "judge score vs base (lower is better)", rows, DemoReport.Row::judge);
        g.dispose();
        Files.createDirectories(png.toAbsolutePath().getParent());
        ImageIO.write(img, "png", png.toFile());
        return png;
    }

    private static void panel(Graphics2D g, int c, String title, List<DemoReport.Row> rows,
                              Function<DemoReport.Row, PairedBootstrap.Interval> figure) {
        int x0 = 50 + c * 315;
        int y0 = 30;
        int pw = 250;
        int ph = 240;
        double maxPairs = Math.max(1, rows.stream().mapToDouble(DemoReport.Row::pairs).max().orElse(1));
        double lo = -0.05;
        double hi = 0.05;
        for (DemoReport.Row r : rows) {
            PairedBootstrap.Interval i = figure.apply(r);
            if (i != null) {
                lo = Math.min(lo, i.low());
                hi = Math.max(hi, i.high());
            }
        }
        double span = hi - lo;
        lo -= 0.1 * span;
        hi += 0.1 * span;
        final double yLo = lo;
        final double yHi = hi;
        java.util.function.DoubleUnaryOperator y = v -> y0 + ph - (v - yLo) / (yHi - yLo) * ph;
        java.util.function.DoubleUnaryOperator x = p -> x0 + p / maxPairs * pw;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString(title, x0 - 30, y0 - 12);
        g.setColor(new Color(240, 240, 240));
        g.fillRect(x0, y0, pw, ph);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.setColor(Color.GRAY);
        for (double t : new double[] {yLo + 0.1 * (yHi - yLo), 0, yHi - 0.1 * (yHi - yLo)}) {
            int ty = (int) y.applyAsDouble(t);
            g.drawLine(x0, ty, x0 + pw, ty);
            g.drawString(String.format(Locale.ROOT, "%+.0f%%", 100 * t), x0 - 42, ty + 4);
        }
        // The band: low..high at each version, joined.
        int n = rows.size();
        int[] bx = new int[2 * n];
        int[] by = new int[2 * n];
        for (int i = 0; i < n; i++) {
            PairedBootstrap.Interval iv = figure.apply(rows.get(i));
            double l = iv == null ? 0 : iv.low();
            double h = iv == null ? 0 : iv.high();
            bx[i] = (int) x.applyAsDouble(rows.get(i).pairs());
            by[i] = (int) y.applyAsDouble(h);
            bx[2 * n - 1 - i] = bx[i];
            by[2 * n - 1 - i] = (int) y.applyAsDouble(l);
        }
        g.setColor(new Color(40, 90, 200, 60));
        g.fillPolygon(bx, by, 2 * n);
        g.setColor(new Color(40, 90, 200));
        g.setStroke(new BasicStroke(2f));
        int px = -1;
        int py = -1;
        for (DemoReport.Row r : rows) {
            PairedBootstrap.Interval iv = figure.apply(r);
            int cx = (int) x.applyAsDouble(r.pairs());
            int cy = (int) y.applyAsDouble(iv == null ? 0 : iv.change());
            if (px >= 0) {
                g.drawLine(px, py, cx, cy);
            }
            g.fillOval(cx - 3, cy - 3, 7, 7);
            px = cx;
            py = cy;
        }
        g.setColor(Color.DARK_GRAY);
        g.drawString("0", x0 - 3, y0 + ph + 14);
        g.drawString(String.format(Locale.ROOT, "%.0f", maxPairs), x0 + pw - 14, y0 + ph + 14);
        g.drawString("judged pairs consumed", x0 + pw / 2 - 55, y0 + ph + 30);
    }

    private MetricsPlot() {
    }
}
