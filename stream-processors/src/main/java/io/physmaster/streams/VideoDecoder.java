package io.physmaster.streams;

import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.topics.Topics;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Decodes generated videos from raw bytes, so one that cannot be decoded is a dead letter written in the same
 * transaction as everything else instead of a failed stream thread. The rest go on keyed by their request id
 * (from the value: the producer's key and partition are not trusted for the join).
 */
final class VideoDecoder implements Processor<String, byte[], String, Outcome<VideoSample>> {

    private final Deserializer<GeneratedVideo> videos;
    private ProcessorContext<String, Outcome<VideoSample>> context;
    private CommitWhenQuiet commits;

    VideoDecoder(Deserializer<GeneratedVideo> videos) {
        this.videos = videos;
    }

    @Override
    public void init(ProcessorContext<String, Outcome<VideoSample>> context) {
        this.context = context;
        this.commits = new CommitWhenQuiet(context);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        GeneratedVideo v;
        try {
            if (record.value() == null) {
                throw new IllegalArgumentException("empty record");
            }
            v = videos.deserialize(Topics.GENERATED_VIDEOS.name(), record.value());
        } catch (RuntimeException e) {
            StreamsDeadLetters.rethrowIfTransient(e);
            context.forward(record.withValue(Outcome.dead(StreamsDeadLetters.undecodable(context, record,
                    "generated video", e))));
            return;
        }
        VideoRef ref = new VideoRef(v.getEncoderVersion(), v.getRawUri() != null ? v.getRawUri() : v.getVideoUri(),
                v.getSceneId(), v.getSeed());
        context.forward(record.withKey(v.getRequestId())
                .withValue(Outcome.of(new VideoSample(v.getRequestId(), v.getSampleIndex(), ref))));
        commits.forwarded();
    }
}
