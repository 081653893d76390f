package io.physmaster.blob;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;

/**
 * Where large payloads live; Kafka records carry only their URIs (claim check). Writes are atomic: a reader
 * either sees the whole blob or none of it, so a crash mid-write never leaves a half video behind a URI.
 */
public interface BlobStore extends AutoCloseable {

    /** Stores the bytes under the key (e.g. {@code videos/<request>/<sample>.mp4}) and returns its URI. */
    URI put(String key, byte[] data, String contentType) throws IOException;

    /**
     * Reads a blob of this store. A URI the store does not own (see {@link #owns}) is refused with a {@link
     * BlobAccessDeniedException} before anything is looked at; a URI it owns with no blob behind it gives a
     * {@link BlobNotFoundException}.
     */
    InputStream open(URI uri) throws IOException;

    /** Whether a blob exists at the URI; a URI the store does not own is refused as by {@link #open}. */
    boolean exists(URI uri) throws IOException;

    /**
     * Whether the URI names a place inside this store (its root directory, or its bucket and prefix), judged
     * from the URI alone. {@link #open} checks more (a local store also follows symbolic links).
     */
    boolean owns(URI uri);

    /** The URI a key would be stored at, without writing anything. */
    URI uriOf(String key);

    default byte[] get(URI uri) throws IOException {
        try (InputStream in = open(uri)) {
            return in.readAllBytes();
        }
    }

    @Override
    default void close() {
    }
}
