package io.physmaster.sim.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class VideoFilesTest {

    private static float[] clip(int frames, int h, int w) {
        float[] v = new float[frames * 3 * h * w];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i * 37 % 101) / 100f;
        }
        return v;
    }

    @Test
    void theSameFramesGiveTheSameMp4BytesAcrossAClockSecond() throws Exception {
        float[] v = clip(4, 8, 8);
        byte[] first = VideoFiles.mp4Bytes(v, 4, 8, 8, 10, 2);
        Thread.sleep(1_100); // MP4 times count whole seconds: cross one so a stamped clock would show
        byte[] second = VideoFiles.mp4Bytes(v, 4, 8, 8, 10, 2);
        assertArrayEquals(first, second);
    }

    @Test
    void movieTrackAndMediaHeadersCarryNoTimes() throws Exception {
        byte[] mp4 = VideoFiles.mp4Bytes(clip(3, 8, 8), 3, 8, 8, 10, 2);
        for (String box : new String[] {"mvhd", "tkhd", "mdhd"}) {
            int at = indexOf(mp4, box.getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(at > 0, box + " present");
            int version = mp4[at + 4] & 0xff;
            int width = version == 1 ? 8 : 4;
            for (int i = at + 8; i < at + 8 + 2 * width; i++) {
                assertEquals(0, mp4[i], box + " creation/modification time byte " + (i - at - 8));
            }
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
