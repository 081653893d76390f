package io.physmaster.worker;

import io.physmaster.blob.BlobAccessDeniedException;
import io.physmaster.blob.BlobNotFoundException;
import io.physmaster.blob.BlobStore;
import io.physmaster.requests.FirstFrameImage;
import io.physmaster.requests.InvalidRequestException;
import io.physmaster.requests.RequestLimits;
import io.physmaster.requests.RequestRules;
import io.physmaster.schemas.GenerationRequest;
import io.physmaster.serde.AvroDeserializer;
import io.physmaster.serde.RegistryException;
import io.physmaster.serde.SchemaRegistryClient;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Reads a request record, checks the request against the shared rules and the served model (frames, size),
 * fetches and decodes its first frame safely, and scales it to the model's resolution.
 *
 * <p>What is the record's fault is a {@link SerializationException} (bytes) or an {@link
 * InvalidRequestException} (content) whose message becomes the dead letter's reason and never quotes the
 * record. What is not its fault (the registry or the blob store unavailable) is an {@link IOException}: the
 * worker retries those, a bounded number of times.
 */
final class RequestDecoder {

    private final RequestLimits limits;
    private final BlobStore blobs;
    private final AvroDeserializer<GenerationRequest> avro;
    private final int modelFrames;
    private final int modelSize;

    RequestDecoder(RequestLimits limits, BlobStore blobs, SchemaRegistryClient registry, int modelFrames,
                   int modelSize) {
        this.limits = limits;
        this.blobs = blobs;
        this.avro = new AvroDeserializer<>(GenerationRequest.class, registry);
        this.modelFrames = modelFrames;
        this.modelSize = modelSize;
    }

    /** The request in a record's value; IOException when the registry cannot be asked for its schema. */
    GenerationRequest read(String topic, byte[] value) throws IOException {
        if (value == null) {
            throw new SerializationException("empty record (tombstone) on the requests topic");
        }
        try {
            return avro.deserialize(topic, value);
        } catch (SerializationException e) {
            if (e.getCause() instanceof RegistryException re && (re.httpStatus() < 0 || re.httpStatus() >= 500)) {
                throw new IOException("schema registry unavailable", e);
            }
            throw e;
        }
    }

    float[] firstFrame(GenerationRequest r) throws InvalidRequestException, IOException {
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
            bytes = fetch(r.getFirstFrameUri());
        }
        return toModelFrame(FirstFrameImage.decode(bytes, limits), modelSize);
    }

    /**
     * Reads a first frame by URI through the configured blob store only (it refuses URIs outside it), at most
     * one byte over the image limit. Reasons name neither the URI nor anything read, and a refused URI reads
     * the same whether or not something exists there.
     */
    private byte[] fetch(String firstFrameUri) throws InvalidRequestException {
        URI uri;
        try {
            uri = new URI(firstFrameUri);
        } catch (URISyntaxException e) {
            throw new InvalidRequestException("firstFrameUri is not a valid URI");
        }
        try (InputStream in = blobs.open(uri)) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limits.maxImageBytes() + 1));
            if (bytes.length > limits.maxImageBytes()) {
                throw new InvalidRequestException("first frame is more than the limit of " + limits.maxImageBytes()
                        + " bytes");
            }
            return bytes;
        } catch (BlobAccessDeniedException e) {
            throw new InvalidRequestException("firstFrameUri is not in the blob store the workers read from; send the "
                    + "frame inline or upload it with the client", e);
        } catch (BlobNotFoundException e) {
            throw new InvalidRequestException("first frame not found in the blob store", e);
        } catch (IOException | RuntimeException e) {
            throw new InvalidRequestException("first frame cannot be read from the blob store", e);
        }
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
