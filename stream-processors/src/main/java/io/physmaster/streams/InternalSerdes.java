package io.physmaster.streams;

import io.physmaster.streams.WindowState.PairVotes;
import io.physmaster.streams.WindowState.Vote;
import java.util.Map;
import java.util.TreeMap;

/**
 * The layouts of the app's internal records (repartition topics and stores) in {@link InternalFormat}'s compact
 * binary form: they are written and read several times per event, and a general-purpose format (JSON) cost
 * too much of the stream thread (docs/results/streams-design.md). Never on our public topics (those are Avro).
 */
final class InternalSerdes {

    static final InternalFormat<ResolvedPreference> RESOLVED = new InternalFormat<>(ResolvedPreference.class,
            (out, p) -> {
                out.writeString(p.eventId());
                out.writeString(p.requestId());
                out.writeInt(p.preferred());
                out.writeInt(p.rejected());
                out.writeString(p.annotator());
                out.writeFloat(p.confidence());
                out.writeString(p.source());
                out.writeLong(p.time());
                out.writeString(p.encoderVersion());
                out.writeString(p.preferredUri());
                out.writeString(p.rejectedUri());
                out.writeNullable(p.sceneId());
                out.writeLong(p.preferredSeed());
                out.writeLong(p.rejectedSeed());
            }, in -> new ResolvedPreference(in.readString(), in.readString(), in.readInt(), in.readInt(),
                    in.readString(), in.readFloat(), in.readString(), in.readLong(), in.readString(), in.readString(),
                    in.readString(), in.readNullable(), in.readLong(), in.readLong()));

    static final InternalFormat<VideoRef> VIDEO = new InternalFormat<>(VideoRef.class, InternalSerdes::writeVideo,
            InternalSerdes::readVideo);

    static final InternalFormat<VideoSample> VIDEO_SAMPLE = new InternalFormat<>(VideoSample.class, (out, v) -> {
        out.writeString(v.requestId());
        out.writeInt(v.sample());
        writeVideo(out, v.video());
    }, in -> new VideoSample(in.readString(), in.readInt(), readVideo(in)));

    static final InternalFormat<CheckedPreference> CHECKED = new InternalFormat<>(CheckedPreference.class,
            InternalSerdes::writeChecked, InternalSerdes::readChecked);

    static final InternalFormat<PendingPreference> PENDING = new InternalFormat<>(PendingPreference.class,
            (out, p) -> {
                writeChecked(out, p.preference());
                out.writeLong(p.timestamp());
                out.writeLong(p.deadline());
            }, in -> new PendingPreference(readChecked(in), in.readLong(), in.readLong()));

    static final InternalFormat<WindowState> WINDOW = new InternalFormat<>(WindowState.class, (out, w) -> {
        out.writeString(w.encoderVersion);
        out.writeLong(w.windowStart);
        out.writeLong(w.windowEnd);
        out.writeInt(w.part);
        out.writeInt(w.eventsSeen);
        out.writeInt(w.eventsDropped);
        out.writeInt(w.pairsInPart);
        out.writeLong(w.id);
    }, in -> {
        WindowState w = new WindowState();
        w.encoderVersion = in.readString();
        w.windowStart = in.readLong();
        w.windowEnd = in.readLong();
        w.part = in.readInt();
        w.eventsSeen = in.readInt();
        w.eventsDropped = in.readInt();
        w.pairsInPart = in.readInt();
        w.id = in.readLong();
        return w;
    });

    static final InternalFormat<PairVotes> PAIR = new InternalFormat<>(PairVotes.class, (out, p) -> {
        out.writeString(p.requestId());
        out.writeInt(p.low());
        out.writeInt(p.high());
        out.writeString(p.lowUri());
        out.writeString(p.highUri());
        out.writeLong(p.lowSeed());
        out.writeLong(p.highSeed());
        out.writeNullable(p.sceneId());
        out.writeInt(p.votes().size());
        for (Map.Entry<String, Vote> v : p.votes().entrySet()) {
            out.writeString(v.getKey());
            out.writeInt(v.getValue().preferred());
            out.writeFloat(v.getValue().confidence());
        }
    }, in -> {
        String requestId = in.readString();
        int low = in.readInt();
        int high = in.readInt();
        String lowUri = in.readString();
        String highUri = in.readString();
        long lowSeed = in.readLong();
        long highSeed = in.readLong();
        String sceneId = in.readNullable();
        int n = in.readInt();
        Map<String, Vote> votes = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            votes.put(in.readString(), new Vote(in.readInt(), in.readFloat()));
        }
        return new PairVotes(requestId, low, high, lowUri, highUri, lowSeed, highSeed, sceneId, votes);
    });

    private static void writeVideo(InternalFormat.Out out, VideoRef v) {
        out.writeString(v.encoderVersion());
        out.writeString(v.uri());
        out.writeNullable(v.sceneId());
        out.writeLong(v.seed());
    }

    private static VideoRef readVideo(InternalFormat.In in) {
        return new VideoRef(in.readString(), in.readString(), in.readNullable(), in.readLong());
    }

    private static void writeChecked(InternalFormat.Out out, CheckedPreference p) {
        out.writeString(p.eventId());
        out.writeString(p.requestId());
        out.writeInt(p.preferred());
        out.writeInt(p.rejected());
        out.writeString(p.annotator());
        out.writeFloat(p.confidence());
        out.writeString(p.source());
        out.writeNullable(p.origin().key());
        out.writeInt(p.origin().partition());
        out.writeLong(p.origin().offset());
        out.writeBytes(p.origin().value());
    }

    private static CheckedPreference readChecked(InternalFormat.In in) {
        return new CheckedPreference(in.readString(), in.readString(), in.readInt(), in.readInt(), in.readString(),
                in.readFloat(), in.readString(), new CheckedPreference.Origin(in.readNullable(), in.readInt(),
                in.readLong(), in.readBytes()));
    }

    private InternalSerdes() {
    }
}
