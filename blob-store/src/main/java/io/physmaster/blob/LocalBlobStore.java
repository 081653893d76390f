package io.physmaster.blob;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Blobs as files under a root directory; URIs are {@code file:} URIs. The default for one machine.
 *
 * <p>Only files under the root are read: a URI is refused unless its path, normalised, lies under the root and
 * its real path (symbolic links followed) does too, so neither {@code ..} (plain or percent-encoded) nor a link
 * inside the root leads out of it.
 */
public final class LocalBlobStore implements BlobStore {

    private final Path root;
    private final Path realRoot;

    public LocalBlobStore(Path root) throws IOException {
        this.root = Files.createDirectories(root.toAbsolutePath().normalize());
        this.realRoot = this.root.toRealPath();
    }

    public Path root() {
        return root;
    }

    @Override
    public URI put(String key, byte[] data, String contentType) throws IOException {
        Path target = resolve(key);
        Files.createDirectories(target.getParent());
        if (!target.getParent().toRealPath().startsWith(realRoot)) {
            // A directory inside the root that links elsewhere: never write outside the store.
            throw new BlobAccessDeniedException();
        }
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
        Path real = realPathOf(uri);
        if (real == null || !Files.isRegularFile(real)) {
            throw new BlobNotFoundException(uri);
        }
        try {
            // No link at the end even if one was swapped in since the check.
            return Files.newInputStream(real, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new BlobNotFoundException(uri);
        }
    }

    @Override
    public boolean exists(URI uri) throws IOException {
        Path real = realPathOf(uri);
        return real != null && Files.isRegularFile(real);
    }

    @Override
    public boolean owns(URI uri) {
        return lexicalPathOf(uri) != null;
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

    /**
     * The real path of an owned URI's file, or null when nothing is there; refuses (the same way whether or not
     * anything exists there) a URI outside the store, including one that leaves it through a symbolic link.
     */
    private Path realPathOf(URI uri) throws BlobAccessDeniedException {
        Path p = lexicalPathOf(uri);
        if (p == null) {
            throw new BlobAccessDeniedException();
        }
        // The nearest part of the path that exists (without following a link at its end) decides: resolving
        // it follows every link on the way, and a missing tail below a real directory in the store is only
        // a missing blob.
        Path existing = p;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        Path real;
        try {
            real = existing == null ? null : existing.toRealPath();
        } catch (IOException dangling) {
            real = null;
        }
        if (real == null || !real.startsWith(realRoot) || real.equals(realRoot) && existing.equals(p)) {
            throw new BlobAccessDeniedException();
        }
        return existing.equals(p) ? real : null;
    }

    /** The URI's path if it is a plain file: URI naming something strictly under the root, else null. */
    private Path lexicalPathOf(URI uri) {
        if (uri == null || !"file".equalsIgnoreCase(uri.getScheme()) || uri.isOpaque()
                || uri.getRawAuthority() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            return null;
        }
        String path = uri.getPath(); // percent-decoded, so %2e%2e is seen as ..
        if (path == null || path.indexOf('\0') >= 0) {
            return null;
        }
        for (String segment : path.split("/")) {
            if (segment.equals("..") || segment.equals(".")) {
                return null; // our URIs never have them; refusing outright beats normalising them away
            }
        }
        Path p;
        try {
            p = Path.of(uri).normalize();
        } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            return null;
        }
        boolean under = p.startsWith(root) && !p.equals(root) || p.startsWith(realRoot) && !p.equals(realRoot);
        return under ? p : null;
    }
}
