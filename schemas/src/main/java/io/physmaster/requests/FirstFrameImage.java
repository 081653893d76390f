package io.physmaster.requests;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes a first frame safely: only PNG and JPEG, size bounded before and after decoding. The pixel count
 * is read from the image header before any pixel is decoded, so a tiny file that claims to be 100k x 100k
 * (a decompression bomb) is refused without allocating it.
 *
 * <p>Refusal messages become dead-letter reasons, so they say what is wrong but never quote the bytes (nor a
 * decoder's own message, which may): the bytes may be something that was never meant to be shown.
 */
public final class FirstFrameImage {

    public static BufferedImage decode(byte[] bytes, RequestLimits limits) throws InvalidRequestException {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidRequestException("first frame is empty");
        }
        if (bytes.length > limits.maxImageBytes()) {
            throw new InvalidRequestException("first frame is " + bytes.length + " bytes, more than the limit of "
                    + limits.maxImageBytes());
        }
        String format = sniff(bytes);
        if (format == null) {
            throw new InvalidRequestException("first frame is not a PNG or JPEG image");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
            if (!readers.hasNext()) {
                throw new InvalidRequestException("no " + format + " decoder available");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                if (w <= 0 || h <= 0 || w > limits.maxSide() || h > limits.maxSide()
                        || (long) w * h > limits.maxPixels()) {
                    throw new InvalidRequestException("first frame is " + w + "x" + h + " pixels; at most "
                            + limits.maxSide() + " per side and " + limits.maxPixels() + " in all are accepted");
                }
                BufferedImage img = reader.read(0);
                if (img == null) {
                    throw new InvalidRequestException("first frame " + format + " decoded to nothing");
                }
                return img;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw new InvalidRequestException("first frame is a corrupt " + format + " image", e);
        }
    }

    /** "png", "jpeg" or null, from the magic bytes (file extensions and content types can lie). */
    public static String sniff(byte[] b) {
        if (b.length >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return "png";
        }
        if (b.length >= 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8 && (b[2] & 0xff) == 0xff) {
            return "jpeg";
        }
        return null;
    }

    private FirstFrameImage() {
    }
}
