package io.physmaster.blob;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Blobs as files under a root directory; URIs are {@code file:} URIs. The default for one machine. */
public final class LocalBlobStore implements BlobStore {

    private final Path root;

    public LocalBlobStore(Path root) throws IOException {
        this.root = Files.createDirectories(root.toAbsolutePath().normalize());
    }

    public Path root() {
        return root;
    }

    @Override
    public URI put(String key, byte[] data, String contentType) throws IOException {
        Path target = resolve(key);
        Files.createDirectories(target.getParent());
        // Write to a temp file, fsync, then rename: readers never see a partial file, and a crash leaves
        // only a stray temp file.
        Path tmp = Files.createTempFile(target.getParent(), ".partial-", ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(data);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target.toUri();
    }

    @Override
    public InputStream open(URI uri) throws IOException {
        try {
            return Files.newInputStream(pathOf(uri));
        } catch (NoSuchFileException e) {
            throw new BlobNotFoundException(uri);
        }
    }

    @Override
    public boolean exists(URI uri) {
        return Files.isRegularFile(pathOf(uri));
    }

    @Override
    public URI uriOf(String key) {
        return resolve(key).toUri();
    }

    private Path resolve(String key) {
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root) || key.isBlank()) {
            throw new IllegalArgumentException("Blob key '" + key + "' escapes the store root " + root);
        }
        return p;
    }

    private static Path pathOf(URI uri) {
        if (!"file".equals(uri.getScheme())) {
            throw new IllegalArgumentException("Local blob store reads file: URIs, not " + uri);
        }
        return Path.of(uri);
    }
}
