package io.physmaster.sim.io;

import io.physmaster.sim.Renderer;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import org.jcodec.api.awt.AWTSequenceEncoder;
import org.jcodec.common.io.NIOUtils;
import org.jcodec.common.io.SeekableByteChannel;
import org.jcodec.common.model.Rational;

/** Videos for people: H.264 MP4 (JCodec) and looping animated GIF, upscaled to a watchable size. */
public final class VideoFiles {

    /** Upscales frame t of a [T][3][H][W] video by an integer factor (nearest neighbour). */
    public static BufferedImage frame(float[] video, int t, int h, int w, int scale) {
        BufferedImage small = Renderer.toImage(video, t, h, w);
        if (scale == 1) {
            return small;
        }
        BufferedImage big = new BufferedImage(w * scale, h * scale, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = big.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        g.drawImage(small, 0, 0, w * scale, h * scale, null);
        g.dispose();
        return big;
    }

    /** Writes an H.264 MP4; the upscaled size must be even (H.264 works on 2x2 chroma blocks). */
    public static Path writeMp4(float[] video, int frames, int h, int w, double fps, int scale, Path out)
            throws IOException {
        if ((w * scale) % 2 != 0 || (h * scale) % 2 != 0) {
            throw new IllegalArgumentException("MP4 frame size must be even, got " + w * scale + "x" + h * scale);
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        try (SeekableByteChannel ch = NIOUtils.writableChannel(out.toFile())) {
            AWTSequenceEncoder enc = new AWTSequenceEncoder(ch, Rational.R((int) Math.round(fps * 1000), 1000));
            for (int t = 0; t < frames; t++) {
                enc.encodeImage(frame(video, t, h, w, scale));
            }
            enc.finish();
        }
        Files.write(out, withoutTimestamps(Files.readAllBytes(out)));
        return out;
    }

    /**
     * Zeroes the creation and modification times that JCodec stamps from the wall clock into the movie, track and
     * media headers (mvhd, tkhd, mdhd), so that the same frames always give the same bytes: blobs are keyed by
     * content, and a redone request must find its earlier MP4 rather than store a second one.
     */
    static byte[] withoutTimestamps(byte[] mp4) {
        clearTimes(mp4, 0, mp4.length);
        return mp4;
    }

    private static void clearTimes(byte[] b, int from, int to) {
        int at = from;
        while (at + 8 <= to) {
            long size = readUint32(b, at);
            String type = new String(b, at + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            int header = 8;
            if (size == 1 && at + 16 <= to) { // 64-bit size follows the type
                size = (readUint32(b, at + 8) << 32) | readUint32(b, at + 12);
                header = 16;
            } else if (size == 0) { // box runs to the end of its parent
                size = to - at;
            }
            if (size < header || at + size > to) {
                return; // not a box we can walk; leave the rest as written
            }
            int body = at + header;
            int end = (int) (at + size);
            switch (type) {
                case "moov", "trak", "mdia" -> clearTimes(b, body, end);
                case "mvhd", "tkhd", "mdhd" -> {
                    int version = b[body] & 0xff; // full box: version (1 byte), flags (3 bytes), then the two times
                    int width = version == 1 ? 8 : 4;
                    if (body + 4 + 2 * width <= end) {
                        java.util.Arrays.fill(b, body + 4, body + 4 + 2 * width, (byte) 0);
                    }
                }
                default -> { }
            }
            at = end;
        }
    }

    private static long readUint32(byte[] b, int at) {
        return ((b[at] & 0xffL) << 24) | ((b[at + 1] & 0xffL) << 16) | ((b[at + 2] & 0xffL) << 8) | (b[at + 3] & 0xffL);
    }

    public static byte[] mp4Bytes(float[] video, int frames, int h, int w, double fps, int scale) throws IOException {
        File tmp = File.createTempFile("physmaster-", ".mp4");
        try {
            writeMp4(video, frames, h, w, fps, scale, tmp.toPath());
            return Files.readAllBytes(tmp.toPath());
        } finally {
            tmp.delete();
        }
    }

    /** Writes a looping animated GIF. */
    public static Path writeGif(float[] video, int frames, int h, int w, double fps, int scale, Path out)
            throws IOException {
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.write(out, gifBytes(video, frames, h, w, fps, scale));
        return out;
    }

    public static byte[] gifBytes(float[] video, int frames, int h, int w, double fps, int scale) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(ios);
            writer.prepareWriteSequence(null);
            int delayCs = (int) Math.max(2, Math.round(100 / fps));
            for (int t = 0; t < frames; t++) {
                BufferedImage img = frame(video, t, h, w, scale);
                BufferedImage rgb = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
                rgb.getGraphics().drawImage(img, 0, 0, null);
                IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(rgb), null);
                String fmt = meta.getNativeMetadataFormatName();
                IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(fmt);
                IIOMetadataNode gce = child(root, "GraphicControlExtension");
                gce.setAttribute("disposalMethod", "none");
                gce.setAttribute("userInputFlag", "FALSE");
                gce.setAttribute("transparentColorFlag", "FALSE");
                gce.setAttribute("delayTime", Integer.toString(delayCs));
                gce.setAttribute("transparentColorIndex", "0");
                if (t == 0) { // NETSCAPE2.0 extension: loop forever
                    IIOMetadataNode apps = child(root, "ApplicationExtensions");
                    IIOMetadataNode app = new IIOMetadataNode("ApplicationExtension");
                    app.setAttribute("applicationID", "NETSCAPE");
                    app.setAttribute("authenticationCode", "2.0");
                    app.setUserObject(new byte[] {1, 0, 0});
                    apps.appendChild(app);
                }
                meta.setFromTree(fmt, root);
                writer.writeToSequence(new IIOImage(rgb, null, meta), null);
            }
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    private static IIOMetadataNode child(IIOMetadataNode root, String name) {
        for (int i = 0; i < root.getLength(); i++) {
            if (root.item(i).getNodeName().equalsIgnoreCase(name)) {
                return (IIOMetadataNode) root.item(i);
            }
        }
        IIOMetadataNode node = new IIOMetadataNode(name);
        root.appendChild(node);
        return node;
    }

    private VideoFiles() {
    }
}
