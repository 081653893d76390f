package io.physmaster.worker;

import io.physmaster.blob.BlobStore;
import io.physmaster.blob.Sha256;
import io.physmaster.sim.io.ClipFile;
import io.physmaster.sim.io.ContactSheet;
import io.physmaster.sim.io.VideoFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Stores one generated video as MP4 (for people, upscaled), .pmv (exact frames, for the judge and the
 * trainer) and a contact-sheet PNG. Keys are derived from (request id, sample index) only, so redoing a request
 * after a crash overwrites the same blobs instead of leaving duplicates.
 */
final class VideoOutputs {

    /**
     * MP4 upscale factor (nearest neighbour): 32 px frames become 128 px. H.264 encoding in Java costs about the
     * square of this; at 8 it took longer than sampling the video (4: ~110 ms per video, 8: ~460 ms, loaded machine).
     */
    static final int MP4_SCALE = 4;

    record Stored(URI mp4, URI raw, URI sheet, String sha256) {
    }

    static Stored store(BlobStore blobs, String requestId, int sample, String sceneId, float[] video, int frames,
                        int size, double fps) throws IOException {
        String base = "videos/" + requestId + "/" + sample;
        byte[] mp4 = VideoFiles.mp4Bytes(video, frames, size, size, fps, MP4_SCALE);
        byte[] raw = ClipFile.encode(new ClipFile.Contents(sceneId, frames, size, size, fps, video, null, null));
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(ContactSheet.draw(List.of(new ContactSheet.Row(requestId.substring(0, Math.min(8,
                requestId.length())) + "/" + sample, video, frames, size, size)), 64), "png", png);
        URI rawUri = blobs.put(base + ".pmv", raw, "application/octet-stream");
        URI sheetUri = blobs.put(base + ".png", png.toByteArray(), "image/png");
        URI mp4Uri = blobs.put(base + ".mp4", mp4, "video/mp4"); // last: its presence means all three exist
        return new Stored(mp4Uri, rawUri, sheetUri, Sha256.hex(mp4));
    }

    private VideoOutputs() {
    }
}
