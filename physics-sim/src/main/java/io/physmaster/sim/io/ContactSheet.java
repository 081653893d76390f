package io.physmaster.sim.io;

import io.physmaster.sim.Renderer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** One row per video, one column per frame, upscaled with nearest neighbour so pixels stay visible. */
public final class ContactSheet {

    /** A labelled [T][3][H][W] video. */
    public record Row(String label, float[] video, int frames, int height, int width) {
    }

    public static BufferedImage draw(List<Row> rows, int cell) {
        int frames = rows.stream().mapToInt(Row::frames).max().orElse(1);
        int labelW = 110;
        int gap = 2;
        BufferedImage sheet = new BufferedImage(labelW + frames * (cell + gap), rows.size() * (cell + gap),
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        for (int r = 0; r < rows.size(); r++) {
            Row row = rows.get(r);
            int y = r * (cell + gap);
            g.setColor(Color.BLACK);
            g.drawString(row.label(), 4, y + cell / 2 + 4);
            for (int t = 0; t < row.frames(); t++) {
                BufferedImage f = Renderer.toImage(row.video(), t, row.height(), row.width());
                g.drawImage(f, labelW + t * (cell + gap), y, cell, cell, null);
            }
        }
        g.dispose();
        return sheet;
    }

    public static Path write(List<Row> rows, int cell, Path png) throws IOException {
        Files.createDirectories(png.toAbsolutePath().getParent());
        ImageIO.write(draw(rows, cell), "png", png.toFile());
        return png;
    }

    private ContactSheet() {
    }
}
