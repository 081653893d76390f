package io.physmaster.serde;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The Confluent wire format: byte 0 is the magic byte 0, bytes 1..4 are the schema id (big-endian int),
 * the rest is the Avro binary encoding of the value. Any Confluent-compatible consumer reads our topics.
 */
public final class ConfluentWireFormat {

    public static final byte MAGIC_BYTE = 0;
    public static final int HEADER_SIZE = 5;

    /** Header plus body. */
    public static byte[] frame(int schemaId, byte[] avroBody) {
        ByteBuffer buf = ByteBuffer.allocate(HEADER_SIZE + avroBody.length);
        buf.put(MAGIC_BYTE).putInt(schemaId).put(avroBody);
        return buf.array();
    }

    /** A parsed frame; the body is a view into the original array. */
    public record Framed(int schemaId, byte[] data, int bodyOffset, int bodyLength) {
    }

    /** Parses the header, with a clear error for anything that is not our format. */
    public static Framed parse(String topic, byte[] data) {
        if (data.length < HEADER_SIZE) {
            throw new SerializationException("Record on topic '" + topic + "' has " + data.length
                    + " bytes, fewer than the 5-byte Confluent wire-format header (magic byte + schema id)");
        }
        if (data[0] != MAGIC_BYTE) {
            throw new SerializationException(String.format(
                    "Record on topic '%s' starts with byte 0x%02x, not the Confluent magic byte 0x00: "
                            + "it was not written by a Confluent-compatible Avro serializer", topic, data[0]));
        }
        int id = ByteBuffer.wrap(data, 1, 4).getInt();
        return new Framed(id, data, HEADER_SIZE, data.length - HEADER_SIZE);
    }

    private ConfluentWireFormat() {
    }
}
