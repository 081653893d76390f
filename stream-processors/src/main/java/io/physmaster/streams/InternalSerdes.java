package io.physmaster.streams;

import io.physmaster.streams.WindowState.PairVotes;
import io.physmaster.streams.WindowState.Vote;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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

    /**
     * 2: strings as 4-byte length + UTF-8 (1 wrote Java's modified UTF-8); WindowState carries its id (pairs are
     * keyed by it); the video table holds VideoRef.
     */
    private static final byte FORMAT = 2;

    /** Writes one value's fields. */
    interface Writer<T> {
        void write(Out out, T value);
    }

    /** Reads one value's fields. */
    interface Reader<T> {
        T read(In in);
    }

    /**
     * A growing byte array written big-endian; strings as a 4-byte length and UTF-8 (no stream objects and no
     * modified-UTF-8 char loop: these values are encoded and decoded several times per event).
     */
    static final class Out {
        private byte[] buf = new byte[128];
        private int pos;

        private void ensure(int n) {
            if (pos + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
            }
        }

        void writeByte(int v) {
            ensure(1);
            buf[pos++] = (byte) v;
        }

        void writeBoolean(boolean v) {
            writeByte(v ? 1 : 0);
        }

        void writeInt(int v) {
            ensure(4);
            buf[pos++] = (byte) (v >>> 24);
            buf[pos++] = (byte) (v >>> 16);
            buf[pos++] = (byte) (v >>> 8);
            buf[pos++] = (byte) v;
        }

        void writeLong(long v) {
            writeInt((int) (v >>> 32));
            writeInt((int) v);
        }

        void writeFloat(float v) {
            writeInt(Float.floatToIntBits(v));
        }

        void writeString(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            writeInt(b.length);
            ensure(b.length);
            System.arraycopy(b, 0, buf, pos, b.length);
            pos += b.length;
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, pos);
        }
    }

    /** Reads what {@link Out} wrote; running past the end is a SerializationException. */
    static final class In {
        private final byte[] buf;
        private int pos;

        In(byte[] buf) {
            this.buf = buf;
        }

        private void need(int n) {
            if (n < 0 || pos + n > buf.length) {
                throw new SerializationException("truncated value: " + n + " more bytes wanted at " + pos + " of "
                        + buf.length);
            }
        }

        byte readByte() {
            need(1);
            return buf[pos++];
        }

        boolean readBoolean() {
            return readByte() != 0;
        }

        int readInt() {
            need(4);
            int v = ((buf[pos] & 0xff) << 24) | ((buf[pos + 1] & 0xff) << 16) | ((buf[pos + 2] & 0xff) << 8)
                    | (buf[pos + 3] & 0xff);
            pos += 4;
            return v;
        }

        long readLong() {
            return ((long) readInt() << 32) | (readInt() & 0xffffffffL);
        }

        float readFloat() {
            return Float.intBitsToFloat(readInt());
        }

        String readString() {
            int n = readInt();
            need(n);
            String s = new String(buf, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }
    }

    static <T> Serde<T> serde(Class<T> type, Writer<T> writer, Reader<T> reader) {
        return Serdes.serdeFrom((topic, value) -> {
            if (value == null) {
                return null;
            }
            Out out = new Out();
            out.writeByte(FORMAT);
            writer.write(out, value);
            return out.toByteArray();
        }, (topic, data) -> {
            if (data == null) {
                return null;
            }
            In in = new In(data);
            int format = in.readByte();
            if (format != FORMAT) {
                throw new SerializationException(type.getSimpleName() + " in " + topic + " has format " + format
                        + ", this build reads " + FORMAT + ": state from another version; reset the application");
            }
            try {
                return reader.read(in);
            } catch (SerializationException e) {
                throw new SerializationException("cannot read " + type.getSimpleName() + " from " + topic + ": "
                        + e.getMessage(), e);
            }
        });
    }

    static final Serde<ResolvedPreference> RESOLVED = serde(ResolvedPreference.class, (out, p) -> {
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
        writeNullable(out, p.sceneId());
        out.writeLong(p.preferredSeed());
        out.writeLong(p.rejectedSeed());
    }, in -> new ResolvedPreference(in.readString(), in.readString(), in.readInt(), in.readInt(), in.readString(),
            in.readFloat(), in.readString(), in.readLong(), in.readString(), in.readString(), in.readString(),
            readNullable(in), in.readLong(), in.readLong()));

    static final Serde<VideoRef> VIDEO = serde(VideoRef.class, (out, v) -> {
        out.writeString(v.encoderVersion());
        out.writeString(v.uri());
        writeNullable(out, v.sceneId());
        out.writeLong(v.seed());
    }, in -> new VideoRef(in.readString(), in.readString(), readNullable(in), in.readLong()));

    static final Serde<WindowState> WINDOW = serde(WindowState.class, (out, w) -> {
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

    static final Serde<PairVotes> PAIR = serde(PairVotes.class, (out, p) -> {
        out.writeString(p.requestId());
        out.writeInt(p.low());
        out.writeInt(p.high());
        out.writeString(p.lowUri());
        out.writeString(p.highUri());
        out.writeLong(p.lowSeed());
        out.writeLong(p.highSeed());
        writeNullable(out, p.sceneId());
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
        String sceneId = readNullable(in);
        int n = in.readInt();
        Map<String, Vote> votes = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            votes.put(in.readString(), new Vote(in.readInt(), in.readFloat()));
        }
        return new PairVotes(requestId, low, high, lowUri, highUri, lowSeed, highSeed, sceneId, votes);
    });

    private static void writeNullable(Out out, String s) {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeString(s);
        }
    }

    private static String readNullable(In in) {
        return in.readBoolean() ? in.readString() : null;
    }

    private InternalSerdes() {
    }
}
