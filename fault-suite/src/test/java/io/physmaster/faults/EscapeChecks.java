package io.physmaster.faults;

import io.physmaster.blob.Sha256;
import io.physmaster.faults.FaultStack.Fixture;
import io.physmaster.schemas.DeadLetter;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.GenerationRequest;
import io.physmaster.topics.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Requests and encoder versions that point outside the blob store. Everything outside is real and valid (a PNG
 * first frame, a head checkpoint with its correct SHA-256), so a role that read it would serve it: a refusal is
 * proof that nothing was read. Each bad request must be exactly one dead letter whose reason echoes neither the
 * URI nor anything read, and nothing may be written outside the store.
 */
final class EscapeChecks {

    /** What the scenario found. */
    record Result(int sent, long notRefused, long extraLetters, List<String> issues, String summary) {
    }

    /** A bad request, and the strings its dead letter's reason must not contain. */
    private record Case(String what, GenerationRequest request, List<String> forbidden) {
    }

    private final Fixture f;
    private final String tag = Records.id("esc");

    EscapeChecks(Fixture f) {
        this.f = f;
    }

    Result run() throws Exception {
        Path frame = f.outside.resolve("frame-" + tag + ".png");
        Files.write(frame, Records.png(5));
        Path link = f.blobs.resolve("link-" + tag + ".png");
        Files.createSymbolicLink(link, frame);
        String version = "escape-" + tag;
        f.records.send(Topics.ENCODER_VERSIONS.name(), version, EncoderVersion.newBuilder().setVersion(version)
                .setParent("stage1").setCheckpointUri(f.outsideHead.toUri().toString())
                .setSha256(Sha256.hex(Files.readAllBytes(f.outsideHead))).setCreatedAt(Instant.now()).build());
        f.records.flush();
        Thread.sleep(3000); // the workers' version feeds have it before the requests that name it

        String store = f.blobs.toUri().toString(); // ends with "/"
        List<Case> cases = List.of(
                byId("request id climbing out of the store", "../../escape-" + tag),
                byId("request id climbing out through a key prefix", "videos/../../../escape-" + tag),
                byUri("first frame by absolute file: URI outside", frame.toUri().toString()),
                byUri("first frame by dot segments", store + "../outside/" + frame.getFileName()),
                byUri("first frame by percent-encoded dot segments", store + "%2e%2e/outside/" + frame.getFileName()),
                byUri("first frame through a link out of the store", link.toUri().toString()),
                byUri("first frame file:/etc/passwd", "file:/etc/passwd"),
                new Case("request pinned to a version whose checkpoint is outside", pinned(version),
                        List.of(f.outside.toString(), "head.pmck")));
        for (Case c : cases) {
            f.records.send(Topics.GENERATION_REQUESTS.name(), c.request().getRequestId(), c.request());
        }
        String control = Records.id("esc-control");
        f.records.send(Topics.GENERATION_REQUESTS.name(), control, Records.request(control, 11));
        f.records.flush();

        List<String> ids = cases.stream().map(c -> c.request().getRequestId()).toList();
        f.deadLetters.await(Duration.ofSeconds(60), () -> ids.stream().allMatch(id -> !letters(id).isEmpty()));
        f.videos.await(Duration.ofSeconds(60),
                () -> Delivery.videos(List.of(control), 2, f.videos.values(v -> true), f.store).complete());
        Thread.sleep(2000); // late videos or second letters would show up by now
        f.videos.poll(Duration.ofMillis(500));
        f.deadLetters.poll(Duration.ofMillis(500));

        List<String> issues = new ArrayList<>();
        long notRefused = 0;
        long extra = 0;
        for (Case c : cases) {
            String id = c.request().getRequestId();
            List<DeadLetter> ls = letters(id);
            List<GeneratedVideo> vs = f.videos.values(v -> id.equals(v.getRequestId()));
            notRefused += ls.isEmpty() ? 1 : 0;
            extra += Math.max(0, ls.size() - 1);
            if (ls.size() != 1 || !vs.isEmpty()) {
                issues.add(c.what() + ": " + ls.size() + " dead letters, " + vs.size() + " videos");
            }
            for (DeadLetter l : ls) {
                for (String s : c.forbidden()) {
                    if (l.getReason().contains(s)) {
                        issues.add(c.what() + ": the reason echoes '" + s + "': " + l.getReason());
                    }
                }
            }
        }
        List<GeneratedVideo> controlVideos = f.videos.values(v -> control.equals(v.getRequestId()));
        if (controlVideos.isEmpty()) {
            issues.add("the control request (no escape) was not served");
        }
        long escaped = f.videos.values(v -> version.equals(v.getEncoderVersion())).size();
        if (escaped > 0) {
            issues.add(escaped + " videos made with the head read from outside the store");
        }
        List<Path> outside = writtenOutside(List.of(frame, link));
        if (!outside.isEmpty()) {
            issues.add("written outside the store: " + outside);
        }
        String summary = String.format(Locale.ROOT, "%d bad requests (2 request ids with ../, 5 first-frame URIs: "
                + "absolute, dot segments, %%2e%%2e, a link out, /etc/passwd; 1 pinned to a version whose valid head "
                + "is outside the store); refused: %d; videos from the outside head: %d; files written outside: %d; "
                + "control request served with version %s", cases.size(), cases.size() - notRefused, escaped,
                outside.size(), controlVideos.isEmpty() ? "-" : controlVideos.get(0).getEncoderVersion());
        return new Result(cases.size(), notRefused, extra, issues, summary);
    }

    private Case byId(String what, String id) {
        return new Case(what, Records.request(id, 1), List.of(id));
    }

    private Case byUri(String what, String uri) {
        GenerationRequest r = Records.request(Records.id("esc-uri"), 2);
        r.setFirstFrameInline(null);
        r.setFirstFrameUri(uri);
        return new Case(what, r, List.of(uri, f.outside.toString(), "root:", "passwd"));
    }

    private GenerationRequest pinned(String version) {
        GenerationRequest r = Records.request(Records.id("esc-pinned"), 3);
        r.setEncoderVersion(version);
        return r;
    }

    private List<DeadLetter> letters(String key) {
        return f.deadLetters.values(l -> key.equals(l.getKey()));
    }

    /** Files or directories named after this run's tag anywhere in the module's build directory but the store. */
    private List<Path> writtenOutside(List<Path> ours) throws IOException {
        Path root = f.dir.getParent();
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(p -> p.getFileName().toString().contains(tag) && !p.startsWith(f.blobs)
                    && !ours.contains(p)).toList();
        }
    }
}
