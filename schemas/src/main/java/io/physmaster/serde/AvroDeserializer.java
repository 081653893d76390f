package io.physmaster.serde;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent-wire-format Avro. The writer schema comes from the registry by the id in the header; the
 * reader schema is the target class's (when constructed with one, or with {@code specific.avro.reader=true}
 * the generated class named like the writer schema), otherwise the writer schema itself (GenericRecord).
 *
 * <p>Never returns null for bad bytes: a short record, wrong magic byte, unknown schema id, undecodable body
 * or trailing garbage throws a {@link SerializationException} that says which.
 */
public class AvroDeserializer<T> implements Deserializer<T> {

    public static final String SPECIFIC_READER = "specific.avro.reader";

    private final Class<T> target;
    private SchemaRegistryClient registry;
    private boolean ownsRegistry;
    private boolean specific;
    private final Map<Integer, DatumReader<Object>> readers = new ConcurrentHashMap<>();

    /** Generic, or specific when {@code specific.avro.reader=true}. */
    public AvroDeserializer() {
        this.target = null;
    }

    /** Always reads into the given generated class, resolving the writer schema onto its schema. */
    public AvroDeserializer(Class<T> target) {
        this.target = target;
        this.specific = true;
    }

    public AvroDeserializer(Class<T> target, SchemaRegistryClient registry) {
        this(target);
        this.registry = registry;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (target == null) {
            Object v = configs.get(SPECIFIC_READER);
            specific = v != null && Boolean.parseBoolean(v.toString());
        }
        Object shared = configs.get(AvroSerializer.CLIENT_INSTANCE);
        if (shared instanceof SchemaRegistryClient c) {
            registry = c;
        } else {
            registry = new RestSchemaRegistryClient(RegistryClientConfig.from(configs));
            ownsRegistry = true;
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null; // tombstone
        }
        if (registry == null) {
            throw new IllegalStateException("AvroDeserializer used before configure()");
        }
        ConfluentWireFormat.Framed framed = ConfluentWireFormat.parse(topic, data);
        DatumReader<Object> reader = readers.computeIfAbsent(framed.schemaId(), id -> readerFor(topic, id));
        BinaryDecoder decoder = DecoderFactory.get()
                .binaryDecoder(framed.data(), framed.bodyOffset(), framed.bodyLength(), null);
        Object value;
        try {
            value = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new IOException("bytes left over after the record ended");
            }
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new SerializationException("Corrupt Avro body in record on topic '" + topic + "' (schema id "
                    + framed.schemaId() + ", " + framed.bodyLength() + " body bytes): " + e.getMessage(), e);
        }
        if (target != null && !target.isInstance(value)) {
            throw new SerializationException("Record on topic '" + topic + "' decoded to "
                    + value.getClass().getName() + ", expected " + target.getName());
        }
        return (T) value;
    }

    private DatumReader<Object> readerFor(String topic, int id) {
        Schema writer;
        try {
            writer = registry.getById(id);
        } catch (RegistryException e) {
            String why = e.isNotFound() ? "is not known to the schema registry" : "could not be fetched";
            throw new SerializationException("Record on topic '" + topic + "' refers to schema id " + id
                    + ", which " + why + " (" + e.getMessage() + ")", e);
        }
        if (!specific) {
            return new GenericDatumReader<>(writer);
        }
        Schema readerSchema = target != null ? SpecificData.get().getSchema(target) : specificSchemaFor(writer);
        if (!readerSchema.getFullName().equals(writer.getFullName())) {
            throw new SerializationException("Record on topic '" + topic + "' is a " + writer.getFullName()
                    + " (schema id " + id + "), not a " + readerSchema.getFullName());
        }
        return new SpecificDatumReader<>(writer, readerSchema, SpecificData.getForSchema(readerSchema));
    }

    private static Schema specificSchemaFor(Schema writer) {
        Class<?> c = SpecificData.get().getClass(writer);
        if (c == null) {
            throw new SerializationException("No generated class " + writer.getFullName()
                    + " on the classpath for specific.avro.reader=true");
        }
        return SpecificData.get().getSchema(c);
    }

    @Override
    public void close() {
        if (ownsRegistry && registry != null) {
            registry.close();
        }
    }
}
