package io.physmaster.streams;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The compact binary form of one internal record type (layouts: {@link InternalSerdes}), usable as a Serde
 * for stores and, through {@link #encode}/{@link #decode}, by processors that read repartition topics as raw
 * bytes (so a record they cannot read becomes a dead letter instead of stopping the app). Each value starts with
 * a format byte, so bytes written by another format fail with a clear message instead of decoding to garbage.
 */
final class InternalFormat<T> implements Serde<T> {

    /**
     * Bump when a layout changes: state written by another version is then refused (reset the application with
     * kafka-streams-application-reset).
     */
    static final byte FORMAT = 2;

    /** Writes one value's fields. */
    interface Writer<T> {
        void write(Out out, T value);
    }

    /** Reads one value's fields. */
    interface Reader<T> {
        T read(In in);
    }

    private final Class<T> type;
    private final Writer<T> writer;
    private final Reader<T> reader;

    InternalFormat(Class<T> type, Writer<T> writer, Reader<T> reader) {
        this.type = type;
        this.writer = writer;
        this.reader = reader;
    }

    byte[] encode(T value) {
        if (value == null) {
            return null;
        }
        Out out = new Out();
        out.writeByte(FORMAT);
        writer.write(out, value);
        return out.toByteArray();
    }

    /** The value, or a SerializationException that says what is wrong with the bytes (never what they hold). */
    T decode(String topic, byte[] data) {
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
            T value = reader.read(in);
            in.requireEnd();
            return value;
        } catch (SerializationException e) {
            throw new SerializationException("cannot read " + type.getSimpleName() + " from " + topic + ": "
                    + e.getMessage(), e);
        }
    }

    /** Like {@link #decode}, for a record read from a repartition topic, where a missing value is an error too. */
    T decodeRecord(String topic, byte[] data) {
        if (data == null) {
            throw new SerializationException(type.getSimpleName() + " in " + topic + " is missing (null value)");
        }
        return decode(topic, data);
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> encode(value);
    }

    @Override
    public Deserializer<T> deserializer() {
        return this::decode;
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

        void writeBytes(byte[] b) {
            writeInt(b.length);
            ensure(b.length);
            System.arraycopy(b, 0, buf, pos, b.length);
            pos += b.length;
        }

        void writeString(String s) {
            writeBytes(s.getBytes(StandardCharsets.UTF_8));
        }

        void writeNullable(String s) {
            writeBoolean(s != null);
            if (s != null) {
                writeString(s);
            }
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

        void requireEnd() {
            if (pos != buf.length) {
                throw new SerializationException((buf.length - pos) + " bytes left over after the value");
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

        byte[] readBytes() {
            int n = readInt();
            need(n);
            byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
            pos += n;
            return b;
        }

        String readString() {
            int n = readInt();
            need(n);
            String s = new String(buf, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }

        String readNullable() {
            return readBoolean() ? readString() : null;
        }
    }
}
