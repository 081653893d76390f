package io.physmaster.worker;

import io.physmaster.blob.BlobStore;
import io.physmaster.sample.EulerSampler;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.GenerationRequest;
import io.physmaster.schemas.GenerationState;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples accepted requests' videos in batches and queues each finished video on the output pipeline to be
 * stored and published. What one request causes (its sampling or its storing failing) dead-letters that
 * request only and the rest go on; storage being unavailable (an IOException) is recorded in the {@link Poll}
 * so the worker redoes the poll, charging it to those requests.
 */
final class BatchGenerator {

    private static final Logger log = LoggerFactory.getLogger(BatchGenerator.class);
    private static final double FPS = 10;

    /** One poll's failures, written from the sampling thread and the output thread. */
    static final class Poll {
        private final Set<ConsumerRecord<String, byte[]>> failed = ConcurrentHashMap.newKeySet();
        private final Map<ConsumerRecord<String, byte[]>, String> unavailable = new ConcurrentHashMap<>();

        /** Throws if storage was unavailable for any request: the poll is to be redone. */
        void throwIfUnavailable() {
            if (!unavailable.isEmpty()) {
                throw new PollRetries.Unavailable(new ArrayList<>(unavailable.keySet()),
                        unavailable.values().iterator().next(), null);
            }
        }

        private boolean settled(AcceptedRequest a) {
            return failed.contains(a.origin()) || unavailable.containsKey(a.origin());
        }
    }

    private record Job(AcceptedRequest a, int sample) {
    }

    private final WorkerSettings settings;
    private final EulerSampler sampler;
    private final int size;
    private final BlobStore blobs;
    private final OutputPipeline outputs;
    private final WorkerEvents events;
    private final WorkerMetrics metrics;

    BatchGenerator(WorkerSettings settings, EulerSampler sampler, int size, BlobStore blobs, OutputPipeline outputs,
                   WorkerEvents events, WorkerMetrics metrics) {
        this.settings = settings;
        this.sampler = sampler;
        this.size = size;
        this.blobs = blobs;
        this.outputs = outputs;
        this.events = events;
        this.metrics = metrics;
    }

    /** Samples every video of the requests (numSamples each) in batches of at most maxBatch videos. */
    void generate(List<AcceptedRequest> accepted, Poll poll) {
        List<Job> jobs = new ArrayList<>();
        for (AcceptedRequest a : accepted) {
            for (int i = 0; i < a.request().getNumSamples(); i++) {
                jobs.add(new Job(a, i));
            }
        }
        // Equal chunks of at most maxBatch: 18 videos go as 6 + 6 + 6, not 8 + 8 + 2 (a batch of 2 costs
        // nearly twice as much per video as a batch of 8).
        int chunks = (jobs.size() + settings.maxBatch() - 1) / settings.maxBatch();
        int chunkSize = chunks == 0 ? 1 : (jobs.size() + chunks - 1) / chunks;
        for (int from = 0; from < jobs.size(); from += chunkSize) {
            List<Job> chunk = jobs.subList(from, Math.min(jobs.size(), from + chunkSize));
            // Requests with other step counts or guidance are sampled in their own sub-batch.
            Map<String, List<Job>> bySettings = new LinkedHashMap<>();
            for (Job j : chunk) {
                bySettings.computeIfAbsent(j.a().request().getSteps() + "/" + j.a().request().getGuidance(),
                        k -> new ArrayList<>()).add(j);
            }
            bySettings.values().forEach(group -> sample(group, poll));
            for (Job j : chunk) {
                if (j.sample() == j.a().request().getNumSamples() - 1) {
                    outputs.submit(() -> done(j.a(), poll)); // after the request's last video, in the same queue
                }
            }
        }
    }

    /**
     * Samples one batch. If it fails, each request in it is sampled on its own, so only a request that fails
     * alone is dead-lettered.
     */
    private void sample(List<Job> group, Poll poll) {
        group = group.stream().filter(j -> !poll.failed.contains(j.a().origin())).toList();
        if (group.isEmpty()) {
            return;
        }
        GenerationRequest first = group.get(0).a().request();
        float[][] frames = new float[group.size()][];
        long[] seeds = new long[group.size()];
        for (int i = 0; i < group.size(); i++) {
            frames[i] = group.get(i).a().firstFrame();
            seeds[i] = group.get(i).a().request().getSeed() + group.get(i).sample();
        }
        long t0 = System.nanoTime();
        int total = first.getSteps();
        List<String> ids = group.stream().map(j -> j.a().request().getRequestId()).distinct().toList();
        float[][] videos;
        try {
            videos = sampler.sample(frames, seeds, total, first.getGuidance(), step -> {
                if (settings.progressEvery() > 0 && step % settings.progressEvery() == 0 && step < total) {
                    ids.forEach(id -> events.progress(id, GenerationState.SAMPLING, step, total, null));
                }
            });
        } catch (RuntimeException e) {
            Map<ConsumerRecord<String, byte[]>, List<Job>> byRequest = new LinkedHashMap<>();
            group.forEach(j -> byRequest.computeIfAbsent(j.a().origin(), k -> new ArrayList<>()).add(j));
            if (byRequest.size() == 1) {
                log.warn("event=sampling_failed request={}", ids.get(0), e);
                fail(group.get(0).a(), "sampling failed (" + e.getClass().getSimpleName() + ")", e,
                        "sampling_failed", poll);
            } else {
                log.warn("event=batch_sampling_failed requests={} retry=one_by_one reason=\"{}\"", byRequest.size(),
                        e.toString());
                byRequest.values().forEach(one -> sample(one, poll));
            }
            return;
        }
        double perVideo = (System.nanoTime() - t0) / 1e9 / group.size();
        log.info("event=sampled videos={} steps={} seconds={}", group.size(), total,
                String.format("%.2f", perVideo * group.size()));
        for (int i = 0; i < group.size(); i++) {
            metrics.secondsPerVideo.record(Duration.ofNanos((long) (perVideo * 1e9)));
            Job j = group.get(i);
            long seed = seeds[i];
            float[] video = videos[i];
            outputs.submit(() -> store(j.a(), j.sample(), seed, video, poll)); // overlaps the next batch
        }
    }

    /** Runs on the output thread: stores one video and publishes its record. */
    private void store(AcceptedRequest a, int sample, long seed, float[] video, Poll poll) {
        if (poll.settled(a)) {
            return; // the request already failed: no more of its videos
        }
        GenerationRequest r = a.request();
        int frames = r.getFrames();
        float[] cut = frames * 3 * size * size == video.length ? video : Arrays.copyOf(video, frames * 3 * size * size);
        try {
            VideoOutputs.Stored s = VideoOutputs.store(blobs, r.getRequestId(), sample, r.getSceneId(), cut, frames,
                    size, FPS);
            events.video(GeneratedVideo.newBuilder()
                    .setRequestId(r.getRequestId()).setSampleIndex(sample).setSeed(seed)
                    .setVideoUri(s.mp4().toString()).setFormat("mp4").setFrames(frames)
                    .setWidth(size * VideoOutputs.MP4_SCALE).setHeight(size * VideoOutputs.MP4_SCALE)
                    .setSha256(s.sha256()).setEncoderVersion(a.encoderVersion())
                    .setModelVersion(settings.model().getFileName().toString())
                    .setLatencyMs(Duration.between(a.takenAt(), Instant.now()).toMillis())
                    .setSceneId(r.getSceneId()).setWorkerId(settings.workerId())
                    .setRawUri(s.raw().toString()).setContactSheetUri(s.sheet().toString())
                    .setCreatedAt(Instant.now()).build());
        } catch (IOException e) {
            // Storage failing is not the request's fault: the poll is redone (a bounded number of times).
            log.warn("event=store_unavailable request={} sample={} reason=\"{}\"", r.getRequestId(), sample,
                    e.toString());
            poll.unavailable.putIfAbsent(a.origin(), "storing a video failed (" + e.getClass().getSimpleName() + ")");
        } catch (RuntimeException e) {
            log.warn("event=store_failed request={} sample={}", r.getRequestId(), sample, e);
            fail(a, "storing a video failed (" + e.getClass().getSimpleName() + ")", e, "storing_failed", poll);
        }
    }

    private void done(AcceptedRequest a, Poll poll) {
        if (poll.settled(a)) {
            return;
        }
        GenerationRequest r = a.request();
        events.progress(r.getRequestId(), GenerationState.DONE, r.getSteps(), r.getSteps(), null);
        metrics.requests.increment();
        metrics.latency(Duration.between(r.getSubmittedAt(), Instant.now()));
    }

    private void fail(AcceptedRequest a, String reason, Exception e, String kind, Poll poll) {
        if (poll.failed.add(a.origin())) {
            events.failed(a.request(), reason, e.getClass().getName(), kind);
        }
    }
}
