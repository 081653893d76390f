package io.physmaster.blob;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Blobs in an S3-API bucket (AWS S3, MinIO, s3proxy); URIs are {@code s3://bucket/prefix/key}. Lets workers on
 * several machines share videos and checkpoints. An S3 PUT is atomic, so no temp-object dance is needed.
 *
 * <p>Only objects in its own bucket and under its own prefix are read: the credentials may reach other buckets,
 * but a URI in a record must not make the store read them.
 */
public final class S3BlobStore implements BlobStore {

    private final S3Client s3;
    private final String bucket;
    private final String prefix;

    /**
     * @param location   {@code s3://bucket} or {@code s3://bucket/prefix}
     * @param endpoint   endpoint override for S3-compatible servers (null for AWS)
     * @param accessKey  access key, or null to use the default AWS credentials chain
     * @param secretKey  secret key (with accessKey)
     * @param region     region name (any for MinIO/s3proxy)
     */
    public S3BlobStore(URI location, URI endpoint, String accessKey, String secretKey, String region) {
        if (!"s3".equals(location.getScheme()) || location.getHost() == null) {
            throw new IllegalArgumentException("S3 blob store location must look like s3://bucket[/prefix], not "
                    + location);
        }
        this.bucket = location.getHost();
        String p = location.getPath() == null ? "" : location.getPath().replaceAll("^/+|/+$", "");
        this.prefix = p.isEmpty() ? "" : p + "/";
        AwsCredentialsProvider creds = accessKey == null ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
        var builder = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(creds)
                .region(Region.of(region == null ? "us-east-1" : region))
                // Path-style addressing works with every S3-compatible server, and with AWS.
                .forcePathStyle(true)
                // SDK 2.30+ adds CRC trailers by default, which many S3-compatible servers reject.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        this.s3 = builder.build();
    }

    /** Creates the bucket if it does not exist (for local and test setups). */
    public S3BlobStore ensureBucket() {
        try {
            s3.headBucket(b -> b.bucket(bucket));
        } catch (NoSuchBucketException e) {
            s3.createBucket(b -> b.bucket(bucket));
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw e;
            }
            s3.createBucket(b -> b.bucket(bucket));
        }
        return this;
    }

    @Override
    public URI put(String key, byte[] data, String contentType) throws IOException {
        try {
            s3.putObject(b -> b.bucket(bucket).key(prefix + key).contentType(contentType),
                    RequestBody.fromBytes(data));
        } catch (SdkException e) {
            throw new IOException("S3 put of s3://" + bucket + "/" + prefix + key + " failed: " + e.getMessage(), e);
        }
        return uriOf(key);
    }

    @Override
    public InputStream open(URI uri) throws IOException {
        String key = ownedKey(uri);
        try {
            return s3.getObject(b -> b.bucket(bucket).key(key));
        } catch (NoSuchKeyException e) {
            throw new BlobNotFoundException(uri);
        } catch (SdkException e) {
            throw new IOException("S3 get of " + uri + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean exists(URI uri) throws IOException {
        String key = ownedKey(uri);
        try {
            s3.headObject(HeadObjectRequest.builder().bucket(bucket).key(key).build());
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw new IOException("S3 head of " + uri + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public URI uriOf(String key) {
        return URI.create("s3://" + bucket + "/" + prefix + key);
    }

    @Override
    public boolean owns(URI uri) {
        return keyIfOwned(uri) != null;
    }

    private String ownedKey(URI uri) throws BlobAccessDeniedException {
        String key = keyIfOwned(uri);
        if (key == null) {
            throw new BlobAccessDeniedException();
        }
        return key;
    }

    /** The object key of an {@code s3://<our bucket>/<our prefix>...} URI, or null for any other URI. */
    private String keyIfOwned(URI uri) {
        if (uri == null || !"s3".equals(uri.getScheme()) || uri.isOpaque() || !bucket.equals(uri.getRawAuthority())
                || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            return null;
        }
        String path = uri.getPath(); // percent-decoded: the key as S3 sees it
        if (path == null || !path.startsWith("/") || path.indexOf('\0') >= 0) {
            return null;
        }
        String key = path.substring(1);
        if (!key.startsWith(prefix) || key.length() == prefix.length()) {
            return null;
        }
        // S3 keys are literal, but some S3-compatible servers and proxies resolve dot segments in the request
        // path, which would leave the prefix.
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return null;
            }
        }
        return key;
    }

    @Override
    public void close() {
        s3.close();
    }
}
