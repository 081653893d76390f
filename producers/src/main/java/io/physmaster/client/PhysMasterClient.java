package io.physmaster.client;

import io.physmaster.blob.BlobStore;
import io.physmaster.blob.BlobStores;
import io.physmaster.blob.Sha256;
import io.physmaster.requests.FirstFrameImage;
import io.physmaster.requests.InvalidRequestException;
import io.physmaster.requests.RequestLimits;
import io.physmaster.requests.RequestRules;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.GenerationRequest;
import io.physmaster.schemas.PreferenceEvent;
import io.physmaster.schemas.PreferenceSource;
import io.physmaster.serde.AvroDeserializer;
import io.physmaster.serde.AvroSerializer;
import io.physmaster.serde.SchemaRegistryClient;
import io.physmaster.topics.Topics;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user's side of PhysMaster: publish generation requests, wait for or follow the finished videos and
 * download them, and send preferences. Everything is checked before anything is published, so a bad image or
 * an unknown request never reaches the topics.
 */
public final class PhysMasterClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PhysMasterClient.class);

    private final ClientSettings settings;
    private final SchemaRegistryClient registry;
    private final KafkaProducer<String, SpecificRecord> producer;
    private final BlobStore blobs;
    private final RequestLimits limits = RequestLimits.DEFAULT;

    private PhysMasterClient(ClientSettings settings) throws IOException {
        this.settings = settings;
        this.registry = settings.connection().registry();
        Properties p = settings.connection().kafka(); // bootstrap servers and security (PHYSMASTER_KAFKA_*)
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) settings.requestTimeout().toMillis());
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(settings.requestTimeout().toMillis(), 15_000));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, settings.requestTimeout().toMillis());
        this.producer = new KafkaProducer<>(p, new StringSerializer(),
                new AvroSerializer<>(registry, false, true, false));
        this.blobs = settings.connection().openBlobStore();
    }

    public static PhysMasterClient connect(ClientSettings settings) throws IOException {
        return new PhysMasterClient(settings);
    }

    public ClientSettings settings() {
        return settings;
    }

    // ---- requests -------------------------------------------------------------------------------------

    /**
     * Validates and publishes a request; returns its id. Frames over the inline limit go via the blob store.
     * The whole request is checked against {@link RequestRules} before anything is stored or published.
     */
    public String submit(Submission s) throws InvalidRequestException, IOException {
        FirstFrameImage.decode(s.image(), limits); // refuses non-images and oversized images up front
        String requestId = UUID.randomUUID().toString();
        GenerationRequest.Builder b = GenerationRequest.newBuilder()
                .setRequestId(requestId)
                .setPrompt(s.prompt())
                .setSceneId(s.sceneId())
                .setNumSamples(s.samples())
                .setFrames(s.frames())
                .setSteps(s.steps())
                .setGuidance(s.guidance())
                .setSeed(s.seed())
                .setEncoderVersion(s.encoderVersion())
                .setSubmittedAt(Instant.now());
        boolean inline = s.image().length <= limits.maxInlineBytes();
        String frameKey = "first-frames/" + requestId + ".img";
        if (inline) {
            b.setFirstFrameInline(ByteBuffer.wrap(s.image()));
        } else {
            b.setFirstFrameUri(blobs.uriOf(frameKey).toString());
        }
        GenerationRequest request = b.build();
        RequestRules.check(request, limits); // before the frame is stored: a refused request leaves nothing behind
        if (!inline) {
            blobs.put(frameKey, s.image(), "image/png");
        }
        send(Topics.GENERATION_REQUESTS.name(), requestId, request);
        return requestId;
    }

    /**
     * Waits until {@code expected} distinct samples of the request are published (or the timeout passes) and
     * returns them ordered by sample index. Duplicates from a worker's retry are collapsed.
     */
    public List<GeneratedVideo> awaitVideos(String requestId, int expected, Duration timeout)
            throws TimeoutException {
        Map<Integer, GeneratedVideo> bySample = new TreeMap<>();
        Instant deadline = Instant.now().plus(timeout);
        AvroDeserializer<GeneratedVideo> de = new AvroDeserializer<>(GeneratedVideo.class, registry);
        try (KeyedPartitionReader reader = new KeyedPartitionReader(settings.connection().kafka(),
                Topics.GENERATED_VIDEOS.name())) {
            reader.seek(requestId, Instant.now().minus(Duration.ofDays(1)));
            reader.read(r -> {
                if (requestId.equals(r.key())) {
                    GeneratedVideo v = decodeOrNull(de, r.topic(), r.value());
                    if (v != null) {
                        bySample.putIfAbsent(v.getSampleIndex(), v);
                    }
                }
                return bySample.size() < expected;
            }, deadline);
        }
        if (bySample.size() < expected) {
            throw new TimeoutException("Request " + requestId + ": " + bySample.size() + " of " + expected
                    + " videos arrived within " + timeout);
        }
        return new ArrayList<>(bySample.values());
    }

    /**
     * Follows every finished video from {@code from} on, handing each (request, sample) once to
     * {@code onVideo}, until it returns false or the timeout passes.
     */
    public void followVideos(Instant from, Predicate<GeneratedVideo> onVideo, Duration timeout) {
        AvroDeserializer<GeneratedVideo> de = new AvroDeserializer<>(GeneratedVideo.class, registry);
        java.util.Set<String> seen = new java.util.HashSet<>();
        try (KeyedPartitionReader reader = new KeyedPartitionReader(settings.connection().kafka(),
                Topics.GENERATED_VIDEOS.name())) {
            reader.seekAll(from);
            reader.read(r -> {
                GeneratedVideo v = decodeOrNull(de, r.topic(), r.value());
                if (v == null || !seen.add(v.getRequestId() + "/" + v.getSampleIndex())) {
                    return true;
                }
                return onVideo.test(v);
            }, Instant.now().plus(timeout));
        }
    }

    /** Downloads a video into {@code dir}, verifying its SHA-256; returns the file. */
    public Path download(GeneratedVideo v, Path dir) throws IOException {
        byte[] data = BlobStores.read(URI.create(v.getVideoUri()), blobs);
        String sha = Sha256.hex(data);
        if (!sha.equals(v.getSha256())) {
            throw new IOException("Video " + v.getVideoUri() + " is corrupt: SHA-256 " + sha + ", expected "
                    + v.getSha256());
        }
        Files.createDirectories(dir);
        Path out = dir.resolve(v.getRequestId() + "-" + v.getSampleIndex() + "." + v.getFormat());
        Files.write(out, data);
        return out;
    }

    // ---- preferences ----------------------------------------------------------------------------------

    /**
     * Publishes that sample {@code preferred} of a request is more physical than {@code rejected}. Refused
     * unless both samples of the request exist on the videos topic (looked up for up to {@code lookup}).
     */
    public String prefer(String requestId, int preferred, int rejected, PreferenceSource source, String annotator,
                         float confidence, Duration lookup) throws InvalidRequestException, IOException {
        if (preferred == rejected || preferred < 0 || rejected < 0) {
            throw new InvalidRequestException("preferred and rejected must be two different sample indexes >= 0, got "
                    + preferred + " and " + rejected);
        }
        if (!(confidence >= 0 && confidence <= 1)) {
            throw new InvalidRequestException("confidence must be in [0, 1], got " + confidence);
        }
        if (annotator == null || annotator.isBlank()) {
            throw new InvalidRequestException("annotator must be named");
        }
        int needed = Math.max(preferred, rejected) + 1;
        List<GeneratedVideo> videos;
        try {
            videos = awaitVideos(requestId, needed, lookup);
        } catch (TimeoutException e) {
            throw new InvalidRequestException("unknown request or samples: " + e.getMessage());
        }
        boolean both = videos.stream().anyMatch(v -> v.getSampleIndex() == preferred)
                && videos.stream().anyMatch(v -> v.getSampleIndex() == rejected);
        if (!both) {
            throw new InvalidRequestException("request " + requestId + " has no samples " + preferred + " and "
                    + rejected);
        }
        return publishPreference(requestId, preferred, rejected, source, annotator, confidence);
    }

    /** Publishes a preference without looking the samples up (for sources that just saw them). */
    public String publishPreference(String requestId, int preferred, int rejected, PreferenceSource source,
                                    String annotator, float confidence) throws IOException {
        String eventId = UUID.randomUUID().toString();
        PreferenceEvent e = PreferenceEvent.newBuilder().setEventId(eventId).setRequestId(requestId)
                .setPreferredSample(preferred).setRejectedSample(rejected).setSource(source)
                .setAnnotator(annotator).setConfidence(confidence).setTime(Instant.now()).build();
        send(Topics.PREFERENCE_EVENTS.name(), requestId, e);
        return eventId;
    }

    // ---- encoder versions -----------------------------------------------------------------------------

    /** Every encoder version on the compacted topic, oldest first; the last one is the one being served. */
    public List<EncoderVersion> encoderVersions(Duration timeout) {
        AvroDeserializer<EncoderVersion> de = new AvroDeserializer<>(EncoderVersion.class, registry);
        Map<String, EncoderVersion> byId = new LinkedHashMap<>();
        try (KeyedPartitionReader reader = new KeyedPartitionReader(settings.connection().kafka(),
                Topics.ENCODER_VERSIONS.name())) {
            reader.seekAll(Instant.EPOCH);
            reader.readToEnd(r -> {
                EncoderVersion v = decodeOrNull(de, r.topic(), r.value());
                if (v != null) {
                    byId.remove(v.getVersion()); // re-insert: order by latest publication
                    byId.put(v.getVersion(), v);
                }
            }, Instant.now().plus(timeout));
        }
        return new ArrayList<>(byId.values());
    }

    /** Rolls back by republishing an older version: the highest offset is the version workers serve. */
    public EncoderVersion rollback(String version, Duration timeout) throws InvalidRequestException, IOException {
        EncoderVersion old = encoderVersions(timeout).stream().filter(v -> v.getVersion().equals(version))
                .findFirst().orElseThrow(() -> new InvalidRequestException("no encoder version '" + version + "'"));
        EncoderVersion again = EncoderVersion.newBuilder(old).setCreatedAt(Instant.now()).build();
        send(Topics.ENCODER_VERSIONS.name(), version, again);
        return again;
    }

    // ---- plumbing -------------------------------------------------------------------------------------

    private void send(String topic, String key, SpecificRecord value) throws IOException {
        try {
            producer.send(new ProducerRecord<>(topic, key, value))
                    .get(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException("Publishing to " + topic + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (SerializationException e) {
            throw new IOException("Publishing to " + topic + " failed: " + e.getMessage(), e);
        } catch (TimeoutException e) {
            throw new IOException("Publishing to " + topic + " at " + settings.bootstrapServers() + " timed out after "
                    + settings.requestTimeout() + "; is the broker up?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while publishing to " + topic, e);
        }
    }

    private static <T> T decodeOrNull(AvroDeserializer<T> de, String topic, byte[] value) {
        try {
            return de.deserialize(topic, value);
        } catch (SerializationException e) {
            log.warn("Skipping an unreadable record on {}: {}", topic, e.getMessage());
            return null;
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
        blobs.close();
        registry.close();
    }
}
