package io.physmaster.sim.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.sim.ClipSpec;
import io.physmaster.sim.ProxyTask;
import io.physmaster.sim.RenderedClip;
import io.physmaster.sim.Split;
import io.physmaster.sim.io.ClipFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SimCliTest {

    @TempDir
    Path dir;

    @Test
    void renderWritesMp4GifContactSheetAndReadableClip() throws Exception {
        int code = new CommandLine(new SimCli()).execute("render", "--split", "unseen", "--index", "3",
                "--out", dir.toString());
        assertEquals(0, code);
        byte[] mp4 = Files.readAllBytes(dir.resolve("unseen-3.mp4"));
        assertEquals("ftyp", new String(mp4, 4, 4, StandardCharsets.US_ASCII), "MP4 starts with an ftyp box");
        try (ImageInputStream in = ImageIO.createImageInputStream(dir.resolve("unseen-3.gif").toFile())) {
            ImageReader r = ImageIO.getImageReadersByFormatName("gif").next();
            r.setInput(in);
            assertEquals(16, r.getNumImages(true));
            assertEquals(256, r.getWidth(0));
        }
        assertTrue(ImageIO.read(dir.resolve("contact-sheet.png").toFile()).getWidth() > 16 * 64);
        ClipFile.Contents back = ClipFile.read(dir.resolve("unseen-3.pmv"));
        RenderedClip truth = ProxyTask.render(ProxyTask.scene(Split.UNSEEN_TEST, 3), ClipSpec.MODEL);
        assertEquals("unseen:3", back.sceneId());
        assertArrayEquals(truth.masks(), back.masks());
        for (int i = 0; i < truth.video().length; i++) {
            assertEquals(truth.video()[i], back.video()[i], 0.5 / 255 + 1e-6);
        }
    }

    @Test
    void datasetWritesTheThreeSplitsWithIndexes() throws Exception {
        int code = new CommandLine(new SimCli()).execute("dataset", "--train", "4", "--seen", "2", "--unseen", "2",
                "--out", dir.toString());
        assertEquals(0, code);
        for (String split : List.of("train", "seen", "unseen")) {
            List<String> index = Files.readAllLines(dir.resolve(split).resolve("index.csv"));
            assertTrue(index.get(1).startsWith(split + ":0,000000.pmv"), index.get(1));
            assertTrue(Files.size(dir.resolve(split).resolve("000000.pmv")) > 100);
        }
    }

    @Test
    void badArgumentsExitNonZero() {
        assertTrue(new CommandLine(new SimCli()).execute("render", "--split", "nope", "--out", dir.toString()) != 0);
    }
}
