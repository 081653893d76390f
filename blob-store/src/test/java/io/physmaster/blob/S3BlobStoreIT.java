package io.physmaster.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The S3 blob store against a real S3-API server (s3proxy with its in-memory backend) on loopback. */
class S3BlobStoreIT {

    static S3Proxy proxy;
    static URI endpoint;

    @BeforeAll
    static void startS3() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        BlobStoreContext context = ContextBuilder.newBuilder("transient")
                .credentials("physmaster", "physmaster-secret")
                .overrides(new Properties())
                .build(BlobStoreContext.class);
        endpoint = URI.create("http://127.0.0.1:" + port);
        proxy = S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .awsAuthentication(org.gaul.s3proxy.AuthenticationType.AWS_V2_OR_V4, "physmaster", "physmaster-secret")
                .endpoint(endpoint)
                .build();
        proxy.start();
        long deadline = System.currentTimeMillis() + 30_000;
        while (!proxy.getState().equals("STARTED") && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
    }

    @AfterAll
    static void stopS3() throws Exception {
        if (proxy != null) {
            proxy.stop();
        }
    }

    private static BlobStore open(String location) throws IOException {
        return BlobStores.open(location, Map.of("PHYSMASTER_S3_ENDPOINT", endpoint.toString(),
                "AWS_ACCESS_KEY_ID", "physmaster", "AWS_SECRET_ACCESS_KEY", "physmaster-secret",
                "AWS_REGION", "us-east-1"));
    }

    @Test
    void putGetExistsThroughTheS3Api() throws IOException {
        try (BlobStore store = open("s3://physmaster-blobs/test")) {
            byte[] data = new byte[300_000];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 31);
            }
            URI uri = store.put("videos/r1/0.mp4", data, "video/mp4");
            assertEquals(URI.create("s3://physmaster-blobs/test/videos/r1/0.mp4"), uri);
            assertTrue(store.exists(uri));
            assertArrayEquals(data, store.get(uri));
            assertEquals(Sha256.hex(data), Sha256.hex(BlobStores.read(uri, store)));
        }
    }

    @Test
    void missingObjectIsNotFound() throws IOException {
        try (BlobStore store = open("s3://physmaster-blobs")) {
            URI uri = store.uriOf("nope/none.bin");
            assertFalse(store.exists(uri));
            assertThrows(BlobNotFoundException.class, () -> store.get(uri));
        }
    }

    @Test
    void otherBucketsAndPrefixesAreRefusedWhetherOrNotTheObjectExists() throws IOException {
        try (BlobStore other = open("s3://physmaster-other"); BlobStore sibling = open("s3://physmaster-blobs/elsewhere");
             BlobStore store = open("s3://physmaster-blobs/test")) {
            // Same credentials and endpoint: the server would serve these, the store must not ask for them.
            URI otherBucket = other.put("secret.bin", "secret".getBytes(), "x");
            URI otherPrefix = sibling.put("secret.bin", "secret".getBytes(), "x");
            URI mine = store.put("videos/r2/0.mp4", new byte[] {9}, "video/mp4");
            assertArrayEquals(new byte[] {9}, BlobStores.read(mine, store));
            for (URI uri : List.of(otherBucket, URI.create("s3://physmaster-other/missing-" + UUID.randomUUID()),
                    otherPrefix, URI.create("s3://physmaster-blobs/elsewhere/missing.bin"),
                    URI.create("s3://physmaster-blobs/test/../elsewhere/secret.bin"),
                    URI.create("s3://physmaster-blobs/test/%2e%2e/elsewhere/secret.bin"),
                    URI.create("s3://physmaster-blobs/test"), URI.create("s3://physmaster-blobs/test/"),
                    URI.create("s3://user@physmaster-blobs/test/videos/r2/0.mp4"),
                    URI.create("file:/etc/passwd"), URI.create("http://127.0.0.1:1/physmaster-blobs/test/x"))) {
                for (var read : List.<Executable>of(() -> store.get(uri), () -> BlobStores.read(uri, store),
                        () -> store.exists(uri))) {
                    BlobAccessDeniedException e = assertThrows(BlobAccessDeniedException.class, read, uri.toString());
                    assertEquals(BlobAccessDeniedException.MESSAGE, e.getMessage());
                }
                assertFalse(store.owns(uri), uri.toString());
            }
            assertTrue(store.owns(mine));
        }
    }

    @Test
    void wrongCredentialsAreAClearError() throws IOException {
        BlobStore bad = new S3BlobStore(URI.create("s3://physmaster-blobs"), endpoint, "physmaster", "wrong", "us-east-1");
        IOException e = assertThrows(IOException.class, () -> bad.put("x", new byte[] {1}, "x"));
        assertTrue(e.getMessage().contains("s3://physmaster-blobs/x"), e.getMessage());
        bad.close();
    }
}
