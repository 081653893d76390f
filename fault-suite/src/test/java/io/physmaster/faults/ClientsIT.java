package io.physmaster.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.physmaster.annotate.AnnotatorServer;
import io.physmaster.client.ClientSettings;
import io.physmaster.faults.FaultStack.Fixture;
import io.physmaster.schemas.GeneratedVideo;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/** Clients we do not control: a librdkafka producer/consumer, and annotator clients that stall. */
@ExtendWith(FaultStack.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Order(2)
class ClientsIT {

    private final Fixture f = FaultStack.get();

    @Test
    @Order(1)
    void aLibrdkafkaClientGetsItsVideosAndBatchesWithItsDefaultPartitioner() throws Exception {
        LibrdkafkaClient.ensureInstalled();
        List<String> ids = LibrdkafkaClient.idsOnOtherPartitions(4);
        long t0 = System.nanoTime();
        JsonNode r = LibrdkafkaClient.run(f.stack.bootstrapServers(), f.stack.schemaRegistryUrl(), ids, f.dir,
                f.logs.resolve("librdkafka-client.out"), Duration.ofSeconds(120));
        double seconds = (System.nanoTime() - t0) / 1e9;

        List<GeneratedVideo> reported = new ArrayList<>();
        for (JsonNode v : r.path("videos")) {
            reported.add(GeneratedVideo.newBuilder().setRequestId(v.path("requestId").asText())
                    .setSampleIndex(v.path("sample").asInt()).setSeed(0).setVideoUri(v.path("uri").asText())
                    .setFormat("mp4").setFrames(0).setWidth(0).setHeight(0).setSha256(v.path("sha256").asText())
                    .setEncoderVersion("").setModelVersion("").setLatencyMs(0).setCreatedAt(Instant.now()).build());
        }
        Delivery videos = Delivery.videos(ids, Records.SAMPLES, reported, f.store);
        long pairsLost = ids.stream().filter(id -> r.path("pairs").path(id).asInt(0) == 0).count();
        long pairsDoubled = ids.stream().mapToLong(id -> Math.max(0, r.path("pairs").path(id).asInt(0) - 1)).sum();
        f.figures.add(new Figures.Row("librdkafka client (default partitioner)", 2L * ids.size(), 3L * ids.size(),
                videos.lost() + pairsLost, pairsDoubled, -1, String.format(Locale.ROOT, "librdkafka %s "
                        + "(confluent-kafka %s): %d requests and %d preferences on CRC32 partitions (Java's would "
                        + "differ for every key), %d videos and the batches read back; %.1f s end to end",
                        r.path("librdkafka").asText(), r.path("client").asText(), ids.size(),
                        r.path("preferencesSent").size(), r.path("videos").size(), seconds)));

        assertEquals(List.of(), listOf(r.path("failures")), "deliveries the client saw fail");
        for (String id : ids) {
            assertEquals(LibrdkafkaClient.crc32Partition(id, 6), r.path("requestPartitions").path(id).asInt(-1),
                    "librdkafka's default partitioner put request " + id + " by CRC32");
        }
        assertTrue(videos.complete(), "videos the librdkafka client did not get: " + videos);
        assertEquals(List.of(), videos.problems());
        assertEquals(0, pairsLost, "preferences from librdkafka missing from every batch: " + r.path("pairs")
                + "\n" + Files.readString(f.logs.resolve("librdkafka-client.out")));
        assertEquals(0, pairsDoubled, "pairs in more than one batch: " + r.path("pairs"));
    }

    @Test
    @Order(2)
    void theAnnotatorAnswersWhileClientsStall() throws Exception {
        String token = "fault-suite-token";
        ClientSettings settings = new ClientSettings(f.stack.connection(f.blobs), Duration.ofSeconds(20));
        // More stalled connections than the server has threads (32): one thread per stalled client would starve it.
        int stalledClients = 64;
        List<Socket> stalled = new ArrayList<>();
        try (AnnotatorServer server = new AnnotatorServer(settings, Map.of(token, "fault"), 0)) {
            for (int i = 0; i < stalledClients; i++) {
                Socket s = new Socket("127.0.0.1", server.port());
                stalled.add(s);
                OutputStream out = s.getOutputStream();
                out.write("GET /api/next HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthoriz".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            Thread.sleep(300); // the server holds every half request before the real clients come
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
            long t0 = System.nanoTime();
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + server.port() + "/")).timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> next = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + server.port() + "/api/next")).header("Authorization", "Bearer " + token)
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
            double seconds = (System.nanoTime() - t0) / 1e9;
            f.figures.add(new Figures.Row("annotator, stalled clients", -1, -1, -1, -1, -1, String.format(Locale.ROOT,
                    "%d clients stopped mid-headers (the server has 32 threads); the page and /api/next answered "
                    + "another client in %.2f s (see producers' AnnotatorServerIT for the full HTTP checks)",
                    stalledClients, seconds)));
            assertEquals(200, page.statusCode(), "the page under stalled clients");
            assertTrue(next.statusCode() == 200 || next.statusCode() == 204, "/api/next answered " + next.statusCode());
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }

    private static List<String> listOf(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
