package io.physmaster.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.blob.LocalBlobStore;
import io.physmaster.blob.Sha256;
import io.physmaster.sim.io.ClipFile;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stored videos against a real local blob store: what a record points at never changes under it. */
class VideoOutputsTest {

    static final int FRAMES = 4;
    static final int SIZE = 8;

    @TempDir
    Path dir;

    static float[] video(long seed) {
        Random r = new Random(seed);
        float[] v = new float[FRAMES * 3 * SIZE * SIZE];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextFloat();
        }
        return v;
    }

    static VideoOutputs.Stored store(LocalBlobStore blobs, float[] video) throws Exception {
        return VideoOutputs.store(blobs, "req-1", 0, "seen:3", video, FRAMES, SIZE, 10);
    }

    @Test
    void aRedoWithOtherBytesNeverChangesWhatTheFirstRecordPointsAt() throws Exception {
        LocalBlobStore blobs = new LocalBlobStore(dir);
        // The same (request, sample) stored twice with different numerics, as after a worker was killed and
        // another redid the request in a different batch.
        VideoOutputs.Stored first = store(blobs, video(1));
        VideoOutputs.Stored second = store(blobs, video(2));

        assertNotEquals(first.mp4(), second.mp4());
        assertNotEquals(first.raw(), second.raw());
        assertNotEquals(first.sheet(), second.sheet());
        for (VideoOutputs.Stored s : new VideoOutputs.Stored[] {first, second}) {
            assertEquals(s.sha256(), Sha256.hex(blobs.get(s.mp4())), "mp4 at " + s.mp4());
            assertTrue(s.mp4().getPath().contains("/videos/req-1/"), s.mp4().toString());
        }
        // The exact frames the judge reads are still the first video's, not the redo's.
        float[] raw = ClipFile.decode(blobs.get(first.raw())).video();
        assertEquals(Math.round(video(1)[5] * 255f), Math.round(raw[5] * 255f));
        assertEquals(Math.round(video(2)[5] * 255f), Math.round(ClipFile.decode(blobs.get(second.raw())).video()[5] * 255f));
    }

    @Test
    void theSameBytesAreStoredOnceUnderTheSameKeys() throws Exception {
        LocalBlobStore blobs = new LocalBlobStore(dir);
        VideoOutputs.Stored first = store(blobs, video(7));
        Path mp4 = Path.of(first.mp4());
        long written = Files.getLastModifiedTime(mp4).toMillis();
        Files.setLastModifiedTime(mp4, java.nio.file.attribute.FileTime.fromMillis(written - 60_000));

        VideoOutputs.Stored again = store(blobs, video(7));
        assertEquals(first, again);
        assertEquals(written - 60_000, Files.getLastModifiedTime(mp4).toMillis(), "an identical blob is not rewritten");
        assertArrayEquals(Files.readAllBytes(mp4), blobs.get(URI.create(again.mp4().toString())));
    }
}
