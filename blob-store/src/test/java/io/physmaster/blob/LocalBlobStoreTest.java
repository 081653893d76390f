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
import java.util.List;
import java.util.Map;
import java.util.UUID;
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

    /** A file outside the store, as /etc/passwd is: it must never be readable through the store. */
    private Path secretOutside() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        return Files.writeString(outside.resolve("secret.txt"), "root:x:0:0:secret\n");
    }

    /** Reading the URI through the store and through BlobStores.read is refused with the one message. */
    private static void assertRefused(BlobStore store, URI uri) {
        for (var read : List.<org.junit.jupiter.api.function.Executable>of(() -> store.get(uri),
                () -> BlobStores.read(uri, store), () -> store.exists(uri))) {
            BlobAccessDeniedException e = assertThrows(BlobAccessDeniedException.class, read, uri.toString());
            assertEquals(BlobAccessDeniedException.MESSAGE, e.getMessage(), "no content, URI or existence in it");
        }
    }

    @Test
    void filesOutsideTheRootAreRefusedWhetherOrNotTheyExist() throws IOException {
        LocalBlobStore store = new LocalBlobStore(dir.resolve("store"));
        Path secret = secretOutside();
        assertRefused(store, URI.create("file:/etc/passwd"));
        assertRefused(store, URI.create("file:///etc/passwd"));
        assertRefused(store, URI.create("file:/etc/no-such-file-" + UUID.randomUUID()));
        assertRefused(store, secret.toUri());
        assertRefused(store, secret.resolveSibling("missing.txt").toUri());
        assertFalse(store.owns(URI.create("file:/etc/passwd")));
        assertFalse(store.owns(secret.toUri()));
    }

    @Test
    void dotDotEscapesAreRefusedPlainOrPercentEncoded() throws IOException {
        LocalBlobStore store = new LocalBlobStore(dir.resolve("store"));
        secretOutside();
        store.put("videos/a.bin", new byte[] {1}, "x");
        String root = store.root().toUri().toString(); // ends with "/"
        for (String escape : List.of("../outside/secret.txt", "videos/../../outside/secret.txt",
                "%2e%2e/outside/secret.txt", "%2E%2E/outside/secret.txt", "videos/%2e%2e/%2e%2e/outside/secret.txt",
                "../outside/missing.txt", "%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                "videos/./a.bin", "videos/../videos/a.bin")) {
            assertRefused(store, URI.create(root + escape));
        }
    }

    @Test
    void symbolicLinksOutOfTheRootAreRefusedLikeMissingFilesOutside() throws IOException {
        LocalBlobStore store = new LocalBlobStore(dir.resolve("store"));
        Path secret = secretOutside();
        Path root = store.root();
        Files.createDirectories(root.resolve("videos"));
        Path toFile = Files.createSymbolicLink(root.resolve("videos/link.mp4"), secret);
        Path toMissing = Files.createSymbolicLink(root.resolve("videos/dangling.mp4"), secret.resolveSibling("none"));
        Path toDir = Files.createSymbolicLink(root.resolve("linkdir"), secret.getParent());
        assertRefused(store, toFile.toUri());
        assertRefused(store, toMissing.toUri());
        assertRefused(store, toDir.resolve("secret.txt").toUri());
        assertRefused(store, toDir.resolve("missing.txt").toUri());
        // Nor can a write follow a link out of the store.
        assertThrows(BlobAccessDeniedException.class, () -> store.put("linkdir/new.bin", new byte[] {1}, "x"));
        assertFalse(Files.exists(secret.resolveSibling("new.bin")));
    }

    @Test
    void otherSchemesAndUriFormsAreRefused() throws IOException {
        LocalBlobStore store = new LocalBlobStore(dir.resolve("store"));
        URI inside = store.put("a.bin", new byte[] {7}, "x");
        String path = inside.getPath();
        for (String uri : List.of("http://127.0.0.1:1" + path, "s3://bucket" + path, "jar:" + inside + "!/x",
                "file:a.bin", "file://localhost" + path, "file:" + path + "?x=1", "file:" + path + "#f",
                store.root().toUri().toString())) {
            assertRefused(store, URI.create(uri));
        }
    }

    @Test
    void blobsInsideTheRootAreReadAndMissingOnesAreNotFound() throws IOException {
        LocalBlobStore store = new LocalBlobStore(dir.resolve("store"));
        URI uri = store.put("videos/r1/0.mp4", new byte[] {4, 5}, "video/mp4");
        assertArrayEquals(new byte[] {4, 5}, BlobStores.read(uri, store));
        assertArrayEquals(new byte[] {4, 5}, BlobStores.read(URI.create("file:" + uri.getPath()), store));
        // A link that stays inside the store is fine.
        Path alias = Files.createSymbolicLink(store.root().resolve("alias.mp4"), Path.of(uri));
        assertArrayEquals(new byte[] {4, 5}, store.get(alias.toUri()));
        assertThrows(BlobNotFoundException.class, () -> BlobStores.read(store.uriOf("videos/r1/9.mp4"), store));
        assertThrows(BlobNotFoundException.class, () -> store.get(store.uriOf("videos")), "a directory is no blob");
        assertTrue(store.owns(uri));
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
