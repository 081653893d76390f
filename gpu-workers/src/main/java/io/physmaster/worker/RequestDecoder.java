package io.physmaster.worker;

import io.physmaster.blob.BlobStore;
import io.physmaster.blob.BlobStores;
import io.physmaster.requests.FirstFrameImage;
import io.physmaster.requests.InvalidRequestException;
import io.physmaster.requests.RequestLimits;
import io.physmaster.requests.RequestRules;
import io.physmaster.schemas.GenerationRequest;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;

/**
 * Checks a request against the shared rules and the served model (frames, size), fetches and decodes its
 * first frame safely, and scales it to the model's resolution. Anything wrong is an {@link
 * InvalidRequestException} whose message becomes the dead letter's reason.
 */
final class RequestDecoder {

    private final RequestLimits limits;
    private final BlobStore blobs;
    private final int modelFrames;
    private final int modelSize;

    RequestDecoder(RequestLimits limits, BlobStore blobs, int modelFrames, int modelSize) {
        this.limits = limits;
        this.blobs = blobs;
        this.modelFrames = modelFrames;
        this.modelSize = modelSize;
    }

    float[] firstFrame(GenerationRequest r) throws InvalidRequestException {
        RequestRules.check(r, limits);
        if (r.getFrames() > modelFrames) {
            throw new InvalidRequestException("frames must be at most " + modelFrames + " for the served model, got "
                    + r.getFrames());
        }
        byte[] bytes;
        if (r.getFirstFrameInline() != null) {
            ByteBuffer b = r.getFirstFrameInline().duplicate();
            bytes = new byte[b.remaining()];
            b.get(bytes);
        } else {
            URI uri;
            try {
                uri = URI.create(r.getFirstFrameUri());
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException("firstFrameUri is not a URI: " + r.getFirstFrameUri());
            }
            try {
                bytes = BlobStores.read(uri, blobs);
            } catch (IOException | IllegalArgumentException e) {
                throw new InvalidRequestException("first frame at " + uri + " cannot be read: " + e.getMessage(), e);
            }
        }
        return toModelFrame(FirstFrameImage.decode(bytes, limits), modelSize);
    }

    /** Area-averaged resize to size x size, as [3, H, W] floats in [0, 1]. */
    static float[] toModelFrame(BufferedImage img, int size) {
        BufferedImage scaled = img;
        if (img.getWidth() != size || img.getHeight() != size) {
            scaled = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = scaled.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(img.getScaledInstance(size, size, java.awt.Image.SCALE_AREA_AVERAGING), 0, 0, null);
            g.dispose();
        }
        int plane = size * size;
        float[] out = new float[3 * plane];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int rgb = scaled.getRGB(x, y);
                int p = y * size + x;
                out[p] = ((rgb >> 16) & 0xff) / 255f;
                out[plane + p] = ((rgb >> 8) & 0xff) / 255f;
                out[2 * plane + p] = (rgb & 0xff) / 255f;
            }
        }
        return out;
    }
}
