package io.physmaster.blob;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * Opens the blob store a deployment is configured with. Location {@code file:/dir} or a plain path gives a
 * {@link LocalBlobStore}; {@code s3://bucket[/prefix]} an {@link S3BlobStore} with endpoint and credentials
 * from PHYSMASTER_S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION.
 */
public final class BlobStores {

    public static BlobStore open(String location, Map<String, String> env) throws IOException {
        if (location.startsWith("s3://")) {
            String endpoint = env.get("PHYSMASTER_S3_ENDPOINT");
            return new S3BlobStore(URI.create(location), endpoint == null ? null : URI.create(endpoint),
                    env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY"), env.get("AWS_REGION"))
                    .ensureBucket();
        }
        Path dir = location.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location);
        return new LocalBlobStore(dir);
    }

    /**
     * Reads a blob by URI through the configured store, which refuses URIs outside it with a {@link
     * BlobAccessDeniedException}. URIs come from records anyone may produce, so no URI is read any other way.
     */
    public static byte[] read(URI uri, BlobStore store) throws IOException {
        return store.get(uri);
    }

    private BlobStores() {
    }
}
