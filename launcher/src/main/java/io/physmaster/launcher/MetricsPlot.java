package io.physmaster.launcher;

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
import javax.imageio.ImageIO;

/** Three small line charts (L2, CD, IoU) against encoder versions, drawn with Java2D. */
final class MetricsPlot {

    record Point(String version, double l2, double cd, double iou) {
    }

    static Path write(List<Point> points, Path png) throws IOException {
        int w = 960;
        int h = 320;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        String[] names = {"L2 (lower is better)", "CD (lower is better)", "IoU (higher is better)"};
        for (int c = 0; c < 3; c++) {
            int x0 = 20 + c * 315;
            int y0 = 30;
            int pw = 280;
            int ph = 220;
            double[] v = new double[points.size()];
            for (int i = 0; i < v.length; i++) {
                Point p = points.get(i);
                v[i] = c == 0 ? p.l2() : c == 1 ? p.cd() : p.iou();
            }
            double lo = java.util.Arrays.stream(v).min().orElse(0);
            double hi = java.util.Arrays.stream(v).max().orElse(1);
            double pad = Math.max(1e-4, (hi - lo) * 0.15);
            lo -= pad;
            hi += pad;
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
            g.drawString(names[c], x0, y0 - 10);
            g.setColor(new Color(230, 230, 230));
            g.fillRect(x0, y0, pw, ph);
            g.setColor(Color.DARK_GRAY);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            g.drawString(String.format("%.4f", hi), x0 + 2, y0 + 12);
            g.drawString(String.format("%.4f", lo), x0 + 2, y0 + ph - 4);
            g.setStroke(new BasicStroke(2f));
            g.setColor(new Color(40, 90, 200));
            int prevX = -1;
            int prevY = -1;
            for (int i = 0; i < v.length; i++) {
                int x = x0 + 20 + (v.length == 1 ? 0 : i * (pw - 40) / (v.length - 1));
                int y = y0 + ph - (int) ((v[i] - lo) / (hi - lo) * ph);
                if (prevX >= 0) {
                    g.drawLine(prevX, prevY, x, y);
                }
                g.fillOval(x - 4, y - 4, 8, 8);
                prevX = x;
                prevY = y;
                g.drawString(Integer.toString(i), x - 3, y0 + ph + 14);
            }
            g.setColor(Color.DARK_GRAY);
            g.drawString("encoder version (0 = " + points.get(0).version() + ")", x0, y0 + ph + 30);
        }
        g.dispose();
        Files.createDirectories(png.toAbsolutePath().getParent());
        ImageIO.write(img, "png", png.toFile());
        return png;
    }

    private MetricsPlot() {
    }
}
