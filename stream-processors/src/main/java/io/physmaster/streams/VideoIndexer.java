package io.physmaster.streams;

import io.physmaster.schemas.DeadLetter;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps every generated video by "requestId|sample" (the table preferences are joined with), as a
 * {@link VideoRef}. Reads its repartition topic as raw bytes: a record it cannot read is forwarded as a dead
 * letter (the only output).
 */
final class VideoIndexer implements Processor<String, byte[], String, DeadLetter> {

    private ProcessorContext<String, DeadLetter> context;
    private KeyValueStore<String, VideoRef> videos;

    @Override
    public void init(ProcessorContext<String, DeadLetter> context) {
        this.context = context;
        this.videos = context.getStateStore(PreferenceBatchTopology.VIDEOS_STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String topic = context.recordMetadata().orElseThrow().topic();
        VideoSample v;
        try {
            v = InternalSerdes.VIDEO_SAMPLE.decodeRecord(topic, record.value());
        } catch (SerializationException e) {
            context.forward(record.withValue(StreamsDeadLetters.undecodable(context, record, "video sample", e)));
            return;
        }
        videos.put(key(v.requestId(), v.sample()), v.video());
    }

    static String key(String requestId, int sample) {
        return requestId + "|" + sample;
    }
}
