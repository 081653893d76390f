package io.physmaster.sim.io;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Our compact video file, ".pmv": gzip of a small header and 8-bit frames (plus masks when known).
 *
 * <pre>
 *   magic "PMV1" | int T | int H | int W | float fps | int N objects (0 = no masks) | UTF scene id
 *   T*3*H*W bytes  RGB, channel-major per frame ([T][3][H][W]), value = round(v * 255)
 *   if N > 0: T*H*W bytes masks (object id per pixel), N bytes dropping flags
 * </pre>
 * Generated videos are stored this way next to their MP4 so the judge measures exact pixels, not a lossy
 * decode.
 */
public final class ClipFile {

    private static final byte[] MAGIC = "PMV1".getBytes(StandardCharsets.US_ASCII);

    /** What a .pmv file holds. {@code masks} and {@code dropping} are null for generated videos. */
    public record Contents(String sceneId, int frames, int height, int width, double fps, float[] video,
                           byte[] masks, boolean[] dropping) {
    }

    public static byte[] encode(Contents c) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(bytes))) {
            out.write(MAGIC);
            out.writeInt(c.frames());
            out.writeInt(c.height());
            out.writeInt(c.width());
            out.writeFloat((float) c.fps());
            out.writeInt(c.dropping() == null ? 0 : c.dropping().length);
            out.writeUTF(c.sceneId() == null ? "" : c.sceneId());
            byte[] px = new byte[c.video().length];
            for (int i = 0; i < px.length; i++) {
                px[i] = (byte) Math.max(0, Math.min(255, Math.round(c.video()[i] * 255f)));
            }
            out.write(px);
            if (c.dropping() != null) {
                out.write(c.masks());
                for (boolean d : c.dropping()) {
                    out.writeByte(d ? 1 : 0);
                }
            }
        }
        return bytes.toByteArray();
    }

    public static Contents decode(byte[] data) throws IOException {
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(new ByteArrayInputStream(data)))) {
            byte[] magic = in.readNBytes(4);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new IOException("not a PhysMaster .pmv video (bad magic)");
            }
            int t = in.readInt();
            int h = in.readInt();
            int w = in.readInt();
            float fps = in.readFloat();
            int n = in.readInt();
            if (t <= 0 || h <= 0 || w <= 0 || (long) t * h * w > 64L * 1024 * 1024 || n < 0 || n > 255) {
                throw new IOException("corrupt .pmv header: " + t + "x" + h + "x" + w + ", " + n + " objects");
            }
            String scene = in.readUTF();
            byte[] px = in.readNBytes(t * 3 * h * w);
            if (px.length != t * 3 * h * w) {
                throw new IOException("truncated .pmv video");
            }
            float[] video = new float[px.length];
            for (int i = 0; i < px.length; i++) {
                video[i] = (px[i] & 0xff) / 255f;
            }
            byte[] masks = null;
            boolean[] dropping = null;
            if (n > 0) {
                masks = in.readNBytes(t * h * w);
                byte[] d = in.readNBytes(n);
                if (masks.length != t * h * w || d.length != n) {
                    throw new IOException("truncated .pmv masks");
                }
                dropping = new boolean[n];
                for (int i = 0; i < n; i++) {
                    dropping[i] = d[i] != 0;
                }
            }
            return new Contents(scene.isEmpty() ? null : scene, t, h, w, fps, video, masks, dropping);
        }
    }

    public static void write(Path file, Contents c) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, encode(c));
    }

    public static Contents read(Path file) throws IOException {
        return decode(Files.readAllBytes(file));
    }

    private ClipFile() {
    }
}
