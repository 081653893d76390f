package io.physmaster.streams;

import io.physmaster.streams.WindowState.PairVotes;
import io.physmaster.streams.WindowState.Vote;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Compact binary serdes for the app's internal records: the repartition topic and the batcher's stores are
 * read and written several times per event, and Jackson was a third of the stream thread's time. Never on our
 * public topics (those are Avro). Each value starts with a format byte, so a store or topic written by another
 * format fails with a clear message instead of garbage (reset the app: kafka-streams-application-reset).
 */
final class InternalSerdes {

    private static final byte FORMAT = 1;

    /** Writes one value's fields. */
    interface Writer<T> {
        void write(DataOutputStream out, T value) throws IOException;
    }

    /** Reads one value's fields. */
    interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    static <T> Serde<T> serde(Class<T> type, Writer<T> writer, Reader<T> reader) {
        return Serdes.serdeFrom((topic, value) -> {
            if (value == null) {
                return null;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeByte(FORMAT);
                writer.write(out, value);
            } catch (IOException e) {
                throw new SerializationException("cannot write " + type.getSimpleName(), e);
            }
            return bytes.toByteArray();
        }, (topic, data) -> {
            if (data == null) {
                return null;
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
                int format = in.readByte();
                if (format != FORMAT) {
                    throw new SerializationException(type.getSimpleName() + " in " + topic + " has format " + format
                            + ", this build reads " + FORMAT + ": state from another version; reset the application");
                }
                return reader.read(in);
            } catch (IOException e) {
                throw new SerializationException("cannot read " + type.getSimpleName() + " from " + topic, e);
            }
        });
    }

    static final Serde<ResolvedPreference> RESOLVED = serde(ResolvedPreference.class, (out, p) -> {
        out.writeUTF(p.eventId());
        out.writeUTF(p.requestId());
        out.writeInt(p.preferred());
        out.writeInt(p.rejected());
        out.writeUTF(p.annotator());
        out.writeFloat(p.confidence());
        out.writeUTF(p.source());
        out.writeLong(p.time());
        out.writeUTF(p.encoderVersion());
        out.writeUTF(p.preferredUri());
        out.writeUTF(p.rejectedUri());
        writeNullable(out, p.sceneId());
    }, in -> new ResolvedPreference(in.readUTF(), in.readUTF(), in.readInt(), in.readInt(), in.readUTF(),
            in.readFloat(), in.readUTF(), in.readLong(), in.readUTF(), in.readUTF(), in.readUTF(), readNullable(in)));

    static final Serde<WindowState> WINDOW = serde(WindowState.class, (out, w) -> {
        out.writeUTF(w.encoderVersion);
        out.writeLong(w.windowStart);
        out.writeLong(w.windowEnd);
        out.writeInt(w.part);
        out.writeInt(w.eventsSeen);
        out.writeInt(w.eventsDropped);
        out.writeInt(w.pairsInPart);
    }, in -> {
        WindowState w = new WindowState();
        w.encoderVersion = in.readUTF();
        w.windowStart = in.readLong();
        w.windowEnd = in.readLong();
        w.part = in.readInt();
        w.eventsSeen = in.readInt();
        w.eventsDropped = in.readInt();
        w.pairsInPart = in.readInt();
        return w;
    });

    static final Serde<PairVotes> PAIR = serde(PairVotes.class, (out, p) -> {
        out.writeUTF(p.requestId());
        out.writeInt(p.low());
        out.writeInt(p.high());
        out.writeUTF(p.lowUri());
        out.writeUTF(p.highUri());
        writeNullable(out, p.sceneId());
        out.writeInt(p.votes().size());
        for (Map.Entry<String, Vote> v : p.votes().entrySet()) {
            out.writeUTF(v.getKey());
            out.writeInt(v.getValue().preferred());
            out.writeFloat(v.getValue().confidence());
        }
    }, in -> {
        String requestId = in.readUTF();
        int low = in.readInt();
        int high = in.readInt();
        String lowUri = in.readUTF();
        String highUri = in.readUTF();
        String sceneId = readNullable(in);
        int n = in.readInt();
        Map<String, Vote> votes = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            votes.put(in.readUTF(), new Vote(in.readInt(), in.readFloat()));
        }
        return new PairVotes(requestId, low, high, lowUri, highUri, sceneId, votes);
    });

    private static void writeNullable(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    private InternalSerdes() {
    }
}
