package io.physmaster.worker;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.blob.LocalBlobStore;
import io.physmaster.requests.InvalidRequestException;
import io.physmaster.requests.RequestLimits;
import io.physmaster.schemas.GenerationRequest;
import io.physmaster.serde.RegistryClientConfig;
import io.physmaster.serde.RestSchemaRegistryClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What is a request's fault (dead letter) and what is not (retry), as the decoder tells them apart. */
class RequestDecoderFaultsTest {

    @TempDir
    Path dir;

    /** A registry nobody listens at: port 1 refuses connections at once. */
    RequestDecoder decoder() throws IOException {
        return new RequestDecoder(RequestLimits.DEFAULT, new LocalBlobStore(dir.resolve("blobs")),
                new RestSchemaRegistryClient(new RegistryClientConfig(List.of("http://127.0.0.1:1"), null, 0, 1, 500)),
                16, 32);
    }

    static GenerationRequest.Builder request() {
        return GenerationRequest.newBuilder().setRequestId("r1").setSubmittedAt(Instant.now())
                .setFirstFrameInline(ByteBuffer.wrap(new byte[] {1, 2, 3}));
    }

    @Test
    void badBytesAreTheRecordsFaultAnUnreachableRegistryIsNot() throws Exception {
        RequestDecoder d = decoder();
        assertThrows(SerializationException.class, () -> d.read("t", null));
        assertThrows(SerializationException.class, () -> d.read("t", new byte[] {9, 9, 9}));
        // Well framed (magic 0, schema id 1): only the registry can say what it is, and it cannot be reached.
        var e = assertThrows(IOException.class, () -> d.read("t", new byte[] {0, 0, 0, 0, 1, 2, 4}));
        assertTrue(e.getMessage().contains("registry unavailable"), e.getMessage());
    }

    @Test
    void anEscapingRequestIdIsRefusedBeforeAnythingIsRead() throws Exception {
        var e = assertThrows(InvalidRequestException.class,
                () -> decoder().firstFrame(request().setRequestId("../../x").build()));
        assertTrue(e.getMessage().startsWith("requestId must be"), e.getMessage());
    }

    @Test
    void aMissingOrForeignFirstFrameIsRefusedWithoutQuotingItsUri() throws Exception {
        RequestDecoder d = decoder();
        String missing = dir.resolve("blobs/first-frames/secret-name.png").toUri().toString();
        var e = assertThrows(InvalidRequestException.class, () -> d.firstFrame(
                request().setFirstFrameInline(null).setFirstFrameUri(missing).build()));
        assertFalse(e.getMessage().contains("secret-name"), e.getMessage());
        var foreign = assertThrows(InvalidRequestException.class, () -> d.firstFrame(
                request().setFirstFrameInline(null).setFirstFrameUri("gopher://secret-host/x").build()));
        assertFalse(foreign.getMessage().contains("secret-host"), foreign.getMessage());
    }
}
