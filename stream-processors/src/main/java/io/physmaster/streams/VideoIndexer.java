package io.physmaster.streams;

import io.physmaster.schemas.GeneratedVideo;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/** Keeps every generated video by "requestId|sample" (the table preferences are joined with), as a {@link VideoRef}. */
final class VideoIndexer implements Processor<String, GeneratedVideo, Void, Void> {

    private KeyValueStore<String, VideoRef> videos;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        videos = context.getStateStore(PreferenceBatchTopology.VIDEOS_STORE);
    }

    @Override
    public void process(Record<String, GeneratedVideo> record) {
        GeneratedVideo v = record.value();
        if (v != null) {
            videos.put(key(v.getRequestId(), v.getSampleIndex()), new VideoRef(v.getEncoderVersion(),
                    v.getRawUri() != null ? v.getRawUri() : v.getVideoUri(), v.getSceneId(), v.getSeed()));
        }
    }

    static String key(String requestId, int sample) {
        return requestId + "|" + sample;
    }
}
