package io.physmaster.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.blob.LocalBlobStore;
import io.physmaster.requests.InvalidRequestException;
import io.physmaster.requests.RequestLimits;
import io.physmaster.schemas.GenerationRequest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** First frames by URI come from the configured blob store only, and reasons never carry what was read. */
class RequestDecoderTest {

    static final int SIZE = 8;

    @TempDir
    Path dir;

    static byte[] png(int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, 0xff0000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    static GenerationRequest byUri(String uri) {
        return GenerationRequest.newBuilder().setRequestId("r1").setFirstFrameUri(uri).setSubmittedAt(Instant.now())
                .build();
    }

    private RequestDecoder decoder(LocalBlobStore store) {
        return new RequestDecoder(RequestLimits.DEFAULT, store, null, 64, SIZE);
    }

    /** Strings a reason must not contain if it carried anything of the file: its lines and its first bytes. */
    static List<String> leaks(byte[] content) {
        List<String> out = new ArrayList<>();
        for (String line : new String(content, StandardCharsets.ISO_8859_1).split("[\n:]")) {
            if (line.length() >= 4) {
                out.add(line);
            }
        }
        byte[] head = java.util.Arrays.copyOf(content, Math.min(4, content.length));
        out.add(HexFormat.of().formatHex(head));
        out.add(HexFormat.ofDelimiter(" ").formatHex(head));
        out.add(HexFormat.ofDelimiter(" ").withUpperCase().formatHex(head));
        return out;
    }

    @Test
    void firstFrameUriOutsideTheStoreIsRefusedWithoutContentOrExistence() throws Exception {
        LocalBlobStore store = new LocalBlobStore(dir.resolve("store"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        // A perfectly good image outside the store must not become a video either.
        Path image = Files.write(outside.resolve("frame.png"), png(16, 16));
        Path text = Files.writeString(outside.resolve("secret.txt"), "root:x:0:0:secret-line\n");
        String storeUri = store.root().toUri().toString();
        List<String> uris = List.of("file:/etc/passwd", "file:/etc/no-such-file-" + UUID.randomUUID(),
                image.toUri().toString(), text.toUri().toString(), outside.resolve("missing.png").toUri().toString(),
                storeUri + "../outside/frame.png", storeUri + "%2e%2e/outside/frame.png",
                storeUri + "%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd");
        List<String> reasons = new ArrayList<>();
        for (String uri : uris) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> decoder(store).firstFrame(byUri(uri)), uri);
            reasons.add(e.getMessage());
        }
        // One reason for all of them: it cannot tell a missing file from an existing one, nor an image from text.
        assertEquals(1, reasons.stream().distinct().count(), reasons.toString());
        String reason = reasons.get(0);
        List<byte[]> contents = new ArrayList<>(List.of(Files.readAllBytes(image), Files.readAllBytes(text)));
        if (Files.isReadable(Path.of("/etc/passwd"))) {
            contents.add(Files.readAllBytes(Path.of("/etc/passwd")));
        }
        for (byte[] content : contents) {
            for (String leak : leaks(content)) {
                assertFalse(reason.contains(leak), "reason '" + reason + "' contains '" + leak + "'");
            }
        }
        assertFalse(reason.contains("passwd") || reason.contains(outside.toString()), "nor the URI: " + reason);
    }

    @Test
    void firstFrameInTheStoreIsDecodedAndScaled() throws Exception {
        LocalBlobStore store = new LocalBlobStore(dir.resolve("store"));
        String uri = store.put("frames/r1.png", png(16, 16), "image/png").toString();
        float[] frame = decoder(store).firstFrame(byUri(uri));
        assertEquals(3 * SIZE * SIZE, frame.length);
        assertTrue(frame[0] > 0.2f, "the red corner survives the resize: " + frame[0]);
    }

    @Test
    void nonImageInTheStoreIsRefusedWithoutQuotingIt() throws Exception {
        LocalBlobStore store = new LocalBlobStore(dir.resolve("store"));
        byte[] content = "root:x:0:0:not-an-image\n".getBytes(StandardCharsets.US_ASCII);
        String uri = store.put("frames/r2.png", content, "image/png").toString();
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> decoder(store).firstFrame(byUri(uri)));
        assertTrue(e.getMessage().contains("not a PNG or JPEG"), e.getMessage());
        for (String leak : leaks(content)) {
            assertFalse(e.getMessage().contains(leak), e.getMessage());
        }
        InvalidRequestException missing = assertThrows(InvalidRequestException.class,
                () -> decoder(store).firstFrame(byUri(store.uriOf("frames/none.png").toString())));
        assertTrue(missing.getMessage().contains("not found"), missing.getMessage());
    }

    @Test
    void oversizedBlobIsRefusedWithoutReadingItAll() throws Exception {
        LocalBlobStore store = new LocalBlobStore(dir.resolve("store"));
        RequestLimits small = new RequestLimits(1024, 100, 1_000_000, 4096, 2, 64, 100, 8, 10f);
        String uri = store.put("frames/big.png", new byte[10_000], "image/png").toString();
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> new RequestDecoder(small, store, null, 64, SIZE).firstFrame(byUri(uri)));
        assertTrue(e.getMessage().contains("limit of 100"), e.getMessage());
    }
}
