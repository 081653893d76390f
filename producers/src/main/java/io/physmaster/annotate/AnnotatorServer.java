package io.physmaster.annotate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.physmaster.blob.BlobStore;
import io.physmaster.blob.BlobStores;
import io.physmaster.client.ClientSettings;
import io.physmaster.client.PhysMasterClient;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.PreferenceSource;
import io.physmaster.serde.AvroDeserializer;
import io.physmaster.sim.io.ClipFile;
import io.physmaster.sim.io.VideoFiles;
import io.physmaster.topics.Topics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The annotators' web page: shows a request's first frame and two of its generated videos side by side
 * (looping GIFs), and turns each choice into a HUMAN PreferenceEvent on Kafka.
 * <pre>
 *   GET  /                    the page (token in ?token=, kept in localStorage)
 *   GET  /api/next            next pair this annotator has not labelled (204 when none)
 *   POST /api/choice          {requestId, left, right, choice: left|right|skip}
 *   GET  /api/stats           {done}
 *   GET  /media/{request}/{sample}.gif, /media/{request}/first.png
 * </pre>
 * Annotators sign in with a token (PHYSMASTER_ANNOTATOR_TOKENS="name:token,..."). Which sample is shown on
 * the left is decided per annotator, so position bias averages out.
 */
public final class AnnotatorServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AnnotatorServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> annotatorByToken;
    private final PhysMasterClient client;
    private final BlobStore blobs;
    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroDeserializer<GeneratedVideo> videos;
    private final Map<String, Map<Integer, GeneratedVideo>> byRequest = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> labelled = new ConcurrentHashMap<>();
    private final Map<String, Integer> done = new ConcurrentHashMap<>();
    private final HttpServer http;
    private final Thread follower;
    private volatile boolean running = true;

    public AnnotatorServer(ClientSettings settings, Map<String, String> annotatorByToken, int port) throws IOException {
        if (annotatorByToken.isEmpty()) {
            throw new IllegalArgumentException("at least one annotator token is needed (name:token)");
        }
        this.annotatorByToken = Map.copyOf(annotatorByToken);
        this.client = PhysMasterClient.connect(settings);
        this.blobs = settings.connection().openBlobStore();
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        this.videos = new AvroDeserializer<>(GeneratedVideo.class, settings.connection().registry());
        this.http = HttpServer.create(new InetSocketAddress(port), 0);
        http.createContext("/", this::route);
        this.follower = new Thread(this::follow, "annotator-videos");
        follower.setDaemon(true);
        follower.start();
        http.start();
        log.info("event=annotator_ready port={} annotators={}", port(), annotatorByToken.values());
    }

    public int port() {
        return http.getAddress().getPort();
    }

    /** Parses "name:token,name:token". */
    public static Map<String, String> parseTokens(String spec) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            String[] nt = part.trim().split(":", 2);
            if (nt.length != 2 || nt[0].isBlank() || nt[1].isBlank()) {
                throw new IllegalArgumentException("annotator tokens look like name:token,name:token; got '" + part + "'");
            }
            out.put(nt[1], nt[0]);
        }
        return out;
    }

    private void follow() {
        var parts = consumer.partitionsFor(Topics.GENERATED_VIDEOS.name(), Duration.ofSeconds(30)).stream()
                .map(pi -> new org.apache.kafka.common.TopicPartition(pi.topic(), pi.partition())).toList();
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        try {
            while (running) {
                consumer.poll(Duration.ofMillis(300)).forEach(r -> {
                    try {
                        GeneratedVideo v = videos.deserialize(r.topic(), r.value());
                        if (v.getRawUri() != null) {
                            byRequest.computeIfAbsent(v.getRequestId(), k -> new TreeMap<>()).put(v.getSampleIndex(), v);
                        }
                    } catch (RuntimeException e) {
                        log.warn("event=annotator_skip_unreadable offset={}", r.offset());
                    }
                });
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void route(HttpExchange ex) throws IOException {
        try {
            String path = ex.getRequestURI().getPath();
            if (path.equals("/") || path.equals("/index.html")) {
                try (InputStream in = getClass().getResourceAsStream("/annotator/index.html")) {
                    send(ex, 200, "text/html; charset=utf-8", in.readAllBytes());
                }
                return;
            }
            if (path.startsWith("/media/")) {
                media(ex, path);
                return;
            }
            String annotator = annotator(ex);
            if (annotator == null) {
                send(ex, 401, "application/json", "{\"error\":\"unknown or missing annotator token\"}".getBytes());
                return;
            }
            switch (path) {
                case "/api/next" -> next(ex, annotator);
                case "/api/choice" -> choice(ex, annotator);
                case "/api/stats" -> json(ex, 200, JSON.createObjectNode().put("done", done.getOrDefault(annotator, 0)));
                default -> send(ex, 404, "text/plain", "not found".getBytes());
            }
        } catch (IllegalArgumentException e) {
            json(ex, 400, JSON.createObjectNode().put("error", e.getMessage()));
        } catch (RuntimeException | IOException e) {
            log.warn("event=annotator_error path={} reason=\"{}\"", ex.getRequestURI(), e.toString());
            json(ex, 500, JSON.createObjectNode().put("error", e.toString()));
        }
    }

    private String annotator(HttpExchange ex) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7).trim() : null;
        return token == null ? null : annotatorByToken.get(token);
    }

    private void next(HttpExchange ex, String annotator) throws IOException {
        Set<String> mine = labelled.computeIfAbsent(annotator, k -> ConcurrentHashMap.newKeySet());
        List<String> open = new ArrayList<>();
        for (var e : byRequest.entrySet()) {
            if (e.getValue().size() >= 2 && !mine.contains(e.getKey())) {
                open.add(e.getKey());
            }
        }
        if (open.isEmpty()) {
            ex.sendResponseHeaders(204, -1);
            ex.close();
            return;
        }
        String id = open.get(0);
        List<Integer> samples = new ArrayList<>(byRequest.get(id).keySet()).subList(0, 2);
        boolean swap = ((annotator + id).hashCode() & 1) == 1;
        int left = swap ? samples.get(1) : samples.get(0);
        int right = swap ? samples.get(0) : samples.get(1);
        ObjectNode body = JSON.createObjectNode().put("requestId", id).put("firstFrame", "/media/" + id + "/first.png")
                .put("done", done.getOrDefault(annotator, 0)).put("waiting", open.size());
        body.putObject("left").put("sample", left).put("gif", "/media/" + id + "/" + left + ".gif");
        body.putObject("right").put("sample", right).put("gif", "/media/" + id + "/" + right + ".gif");
        json(ex, 200, body);
    }

    private void choice(HttpExchange ex, String annotator) throws IOException {
        if (!"POST".equals(ex.getRequestMethod())) {
            throw new IllegalArgumentException("POST a choice");
        }
        JsonNode c = JSON.readTree(ex.getRequestBody());
        String id = c.path("requestId").asText(null);
        int left = c.path("left").asInt(-1);
        int right = c.path("right").asInt(-1);
        String choice = c.path("choice").asText("");
        Map<Integer, GeneratedVideo> samples = id == null ? null : byRequest.get(id);
        if (samples == null || !samples.containsKey(left) || !samples.containsKey(right) || left == right) {
            throw new IllegalArgumentException("unknown request or samples");
        }
        String message;
        switch (choice) {
            case "left", "right" -> {
                int preferred = choice.equals("left") ? left : right;
                int rejected = choice.equals("left") ? right : left;
                client.publishPreference(id, preferred, rejected, PreferenceSource.HUMAN, annotator, 1.0f);
                message = "Thanks: sample " + preferred + " preferred.";
            }
            case "skip" -> message = "Skipped.";
            default -> throw new IllegalArgumentException("choice must be left, right or skip");
        }
        labelled.computeIfAbsent(annotator, k -> ConcurrentHashMap.newKeySet()).add(id);
        int n = done.merge(annotator, 1, Integer::sum);
        json(ex, 200, JSON.createObjectNode().put("done", n).put("message", message));
    }

    private void media(HttpExchange ex, String path) throws IOException {
        String[] parts = path.split("/"); // "", media, request, file
        if (parts.length != 4) {
            send(ex, 404, "text/plain", "not found".getBytes());
            return;
        }
        Map<Integer, GeneratedVideo> samples = byRequest.get(parts[2]);
        if (samples == null || samples.isEmpty()) {
            send(ex, 404, "text/plain", "unknown request".getBytes());
            return;
        }
        boolean first = parts[3].equals("first.png");
        int sample = first ? samples.keySet().iterator().next()
                : Integer.parseInt(parts[3].replace(".gif", ""));
        GeneratedVideo v = samples.get(sample);
        if (v == null) {
            send(ex, 404, "text/plain", "unknown sample".getBytes());
            return;
        }
        ClipFile.Contents c = ClipFile.decode(BlobStores.read(URI.create(v.getRawUri()), blobs));
        if (first) {
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(VideoFiles.frame(c.video(), 0, c.height(), c.width(), 1), "png", png);
            send(ex, 200, "image/png", png.toByteArray());
        } else {
            send(ex, 200, "image/gif", VideoFiles.gifBytes(c.video(), c.frames(), c.height(), c.width(), c.fps(), 8));
        }
    }

    private static void json(HttpExchange ex, int status, JsonNode body) throws IOException {
        send(ex, status, "application/json", JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        ex.getResponseHeaders().add("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        http.stop(0);
        client.close();
        blobs.close();
    }
}
