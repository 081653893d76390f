package io.physmaster.plots;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Panels laid out in a grid and rendered to one PNG with XChart: real axes with ticks and tick labels, axis
 * titles, a legend per panel, 95 % intervals as shaded bands (curves) or error bars with caps (points), and
 * baselines as dashed lines. Rendering needs no display: the JVM is put in headless mode before any AWT use.
 */
public final class Figure {

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** Below this a panel's axes, labels and legend no longer fit. */
    static final int MIN_PANEL_SIZE = 160;

    private Figure() {
    }

    /**
     * Renders the panels row by row, {@code columns} to a row, each {@code panelWidth} x {@code panelHeight}; a
     * null panel leaves its cell empty (so rows can line up).
     */
    public static BufferedImage render(List<Panel> panels, int columns, int panelWidth, int panelHeight) {
        if (panels == null || panels.stream().allMatch(java.util.Objects::isNull)) {
            throw new IllegalArgumentException("a figure needs at least one panel");
        }
        if (columns < 1 || panelWidth < MIN_PANEL_SIZE || panelHeight < MIN_PANEL_SIZE) {
            throw new IllegalArgumentException("columns must be at least 1 and panels at least " + MIN_PANEL_SIZE
                    + " pixels each way (got " + columns + " columns of " + panelWidth + "x" + panelHeight + ")");
        }
        for (Panel p : panels) {
            if (p != null && p.series().isEmpty()) {
                throw new IllegalArgumentException("panel '" + p.title() + "' has no series to draw");
            }
        }
        int cols = Math.min(columns, panels.size());
        int rows = (panels.size() + cols - 1) / cols;
        BufferedImage img = new BufferedImage(cols * panelWidth, rows * panelHeight, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            for (int i = 0; i < panels.size(); i++) {
                if (panels.get(i) == null) {
                    continue;
                }
                Graphics2D cell = (Graphics2D) g.create((i % cols) * panelWidth, (i / cols) * panelHeight,
                        panelWidth, panelHeight);
                try {
                    Charts.chart(panels.get(i), panelWidth, panelHeight).paint(cell, panelWidth, panelHeight);
                } finally {
                    cell.dispose();
                }
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    /** Renders and writes a PNG (creating its directory); returns the file. */
    public static Path writePng(List<Panel> panels, int columns, int panelWidth, int panelHeight, Path png)
            throws IOException {
        BufferedImage img = render(panels, columns, panelWidth, panelHeight);
        Path dir = png.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        if (!ImageIO.write(img, "png", png.toFile())) {
            throw new IOException("no PNG writer available for " + png);
        }
        return png;
    }

}
