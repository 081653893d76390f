package io.physmaster.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalBlobStoreTest {

    @TempDir
    Path dir;

    @Test
    void putThenGetGivesTheSameBytesAndLeavesNoTempFiles() throws IOException {
        LocalBlobStore store = new LocalBlobStore(dir);
        byte[] data = "video bytes".getBytes();
        URI uri = store.put("videos/r1/0.mp4", data, "video/mp4");
        assertEquals("file", uri.getScheme());
        assertTrue(store.exists(uri));
        assertArrayEquals(data, store.get(uri));
        assertArrayEquals(data, BlobStores.read(uri, store));
        try (var files = Files.walk(dir)) {
            assertEquals(0, files.filter(p -> p.getFileName().toString().startsWith(".partial-")).count());
        }
    }

    @Test
    void overwriteReplacesAtomically() throws IOException {
        LocalBlobStore store = new LocalBlobStore(dir);
        store.put("a", new byte[] {1}, "x");
        URI uri = store.put("a", new byte[] {2, 3}, "x");
        assertArrayEquals(new byte[] {2, 3}, store.get(uri));
    }

    @Test
    void missingBlobIsNotFound() throws IOException {
        LocalBlobStore store = new LocalBlobStore(dir);
        URI uri = store.uriOf("nope");
        assertFalse(store.exists(uri));
        assertThrows(BlobNotFoundException.class, () -> store.get(uri));
    }

    @Test
    void keysCannotEscapeTheRoot() throws IOException {
        LocalBlobStore store = new LocalBlobStore(dir);
        assertThrows(IllegalArgumentException.class, () -> store.put("../etc/passwd", new byte[0], "x"));
    }

    @Test
    void openByLocationString() throws IOException {
        try (BlobStore store = BlobStores.open(dir.toUri().toString(), Map.of())) {
            assertTrue(store instanceof LocalBlobStore);
        }
    }

    @Test
    void sha256OfKnownInput() {
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Sha256.hex("abc".getBytes()));
    }
}
