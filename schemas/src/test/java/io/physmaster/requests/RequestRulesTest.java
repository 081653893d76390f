package io.physmaster.requests;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.schemas.GenerationRequest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class RequestRulesTest {

    static byte[] png(int w, int h) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB), "png", out);
        return out.toByteArray();
    }

    static GenerationRequest.Builder request() {
        return GenerationRequest.newBuilder().setRequestId("r1").setFirstFrameUri("file:/x.png")
                .setSubmittedAt(Instant.now());
    }

    @Test
    void defaultsAreValid() {
        assertDoesNotThrow(() -> RequestRules.check(request().build(), RequestLimits.DEFAULT));
    }

    @Test
    void boundsAreEnforcedWithTheFieldNamed() {
        var e = assertThrows(InvalidRequestException.class,
                () -> RequestRules.check(request().setFrames(1000).build(), RequestLimits.DEFAULT));
        assertTrue(e.getMessage().startsWith("frames must be in"), e.getMessage());
        assertThrows(InvalidRequestException.class,
                () -> RequestRules.check(request().setNumSamples(0).build(), RequestLimits.DEFAULT));
        assertThrows(InvalidRequestException.class,
                () -> RequestRules.check(request().setGuidance(Float.NaN).build(), RequestLimits.DEFAULT));
        assertThrows(InvalidRequestException.class, () -> RequestRules.check(
                request().setFirstFrameInline(ByteBuffer.wrap(new byte[1])).build(), RequestLimits.DEFAULT));
    }

    @Test
    void requestIdMustBeOneSafePathSegment() {
        // Request ids become blob keys (videos/<id>/...): anything that could leave that folder is refused.
        for (String bad : List.of("", " ", "../../x", "..", ".", ".hidden", "a/b", "a\\b", "a b", "a:b", "é",
                "a\u0000b", "x".repeat(65))) {
            var e = assertThrows(InvalidRequestException.class,
                    () -> RequestRules.check(request().setRequestId(bad).build(), RequestLimits.DEFAULT), bad);
            assertTrue(e.getMessage().startsWith("requestId must be"), e.getMessage());
        }
        for (String good : List.of(UUID.randomUUID().toString(), "r1", "a.b_c-D..e", "x".repeat(64))) {
            assertDoesNotThrow(() -> RequestRules.check(request().setRequestId(good).build(), RequestLimits.DEFAULT),
                    good);
        }
    }

    @Test
    void refusalsNameTheRuleButNeverEchoTheValue() {
        var e = assertThrows(InvalidRequestException.class, () -> RequestRules.check(
                request().setRequestId("../../secret").build(), RequestLimits.DEFAULT));
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
        var s = assertThrows(InvalidRequestException.class, () -> RequestRules.check(
                request().setSceneId("seen:1/../../secret").build(), RequestLimits.DEFAULT));
        assertFalse(s.getMessage().contains("secret"), s.getMessage());
    }

    @Test
    void sceneIdAndEncoderVersionAreShortNamesWhenSet() {
        for (String good : List.of("seen:0", "seen_test:12", "unseen:3")) {
            assertDoesNotThrow(() -> RequestRules.check(request().setSceneId(good).build(), RequestLimits.DEFAULT));
        }
        assertDoesNotThrow(() -> RequestRules.check(request().setEncoderVersion("online-0003").build(),
                RequestLimits.DEFAULT));
        // A scene id is written into the .pmv header (at most 64 KiB there) and into logs: bounded and plain.
        for (String bad : List.of("", "s".repeat(65), "seen:0\n", "../x", "seen 0")) {
            var e = assertThrows(InvalidRequestException.class,
                    () -> RequestRules.check(request().setSceneId(bad).build(), RequestLimits.DEFAULT), bad);
            assertTrue(e.getMessage().startsWith("sceneId must be"), e.getMessage());
        }
        var v = assertThrows(InvalidRequestException.class, () -> RequestRules.check(
                request().setEncoderVersion("v".repeat(100)).build(), RequestLimits.DEFAULT));
        assertTrue(v.getMessage().startsWith("encoderVersion must be"), v.getMessage());
    }

    @Test
    void decodesPngAndRefusesOtherBytes() throws Exception {
        BufferedImage img = FirstFrameImage.decode(png(32, 32), RequestLimits.DEFAULT);
        assertEquals(32, img.getWidth());
        var e = assertThrows(InvalidRequestException.class,
                () -> FirstFrameImage.decode("GIF89a not an image".getBytes(), RequestLimits.DEFAULT));
        assertTrue(e.getMessage().contains("not a PNG or JPEG"), e.getMessage());
    }

    @Test
    void refusalsNeverQuoteTheBytes() throws Exception {
        // What a first frame read from the wrong file would look like: its content must not reach the reason.
        byte[] text = "root:x:0:0:root:/root:/bin/bash\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        var e = assertThrows(InvalidRequestException.class, () -> FirstFrameImage.decode(text, RequestLimits.DEFAULT));
        assertEquals("first frame is not a PNG or JPEG image", e.getMessage());
        for (String leak : java.util.List.of("root", "72 6f 6f 74", "726f6f74", "72 6F 6F 74")) {
            assertTrue(!e.getMessage().contains(leak), e.getMessage());
        }
        // A PNG signature followed by text: the decoder's own message (which may quote it) stays out too.
        byte[] fake = java.util.Arrays.copyOf(png(8, 8), 16);
        byte[] withText = new byte[fake.length + text.length];
        System.arraycopy(fake, 0, withText, 0, fake.length);
        System.arraycopy(text, 0, withText, fake.length, text.length);
        var c = assertThrows(InvalidRequestException.class,
                () -> FirstFrameImage.decode(withText, RequestLimits.DEFAULT));
        assertEquals("first frame is a corrupt png image", c.getMessage());
    }

    @Test
    void truncatedPngIsCorrupt() throws Exception {
        byte[] full = png(64, 64);
        byte[] cut = java.util.Arrays.copyOf(full, 40);
        var e = assertThrows(InvalidRequestException.class, () -> FirstFrameImage.decode(cut, RequestLimits.DEFAULT));
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    }

    @Test
    void decompressionBombIsRefusedFromTheHeader() throws Exception {
        // A real PNG of 2000x2000 is small when blank; with a 1000x1000 pixel limit it is refused before decoding.
        RequestLimits tight = new RequestLimits(1024, 1 << 20, 1_000_000, 4096, 2, 64, 100, 8, 10f);
        var e = assertThrows(InvalidRequestException.class, () -> FirstFrameImage.decode(png(2000, 2000), tight));
        assertTrue(e.getMessage().contains("2000x2000"), e.getMessage());
    }
}
