package io.physmaster.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro records in the Confluent wire format, registering or looking up the schema under the
 * TopicNameStrategy subject ({@code <topic>-value} or {@code <topic>-key}). The schema registered is the plain
 * one, as its .avsc file defines it ({@link PlainSchema}), so clients in other languages share its id.
 *
 * <p>Config keys as Confluent's KafkaAvroSerializer: {@code schema.registry.url}, {@code auto.register.schemas}
 * (default true), {@code use.latest.version} (default false: write with the subject's latest schema, projecting
 * the record onto it), {@code basic.auth.*}, plus {@link RegistryClientConfig}'s retry keys.
 */
public class AvroSerializer<T extends GenericContainer> implements Serializer<T> {

    public static final String AUTO_REGISTER = "auto.register.schemas";
    public static final String USE_LATEST = "use.latest.version";
    /** Optional: pass an existing {@link SchemaRegistryClient} instance to share its caches. */
    public static final String CLIENT_INSTANCE = "physmaster.schema.registry.client";

    private SchemaRegistryClient registry;
    private boolean ownsRegistry;
    private boolean isKey;
    private boolean autoRegister = true;
    private boolean useLatest;

    public AvroSerializer() {
    }

    /** For use without configure(): a shared client and explicit settings. */
    public AvroSerializer(SchemaRegistryClient registry, boolean isKey, boolean autoRegister, boolean useLatest) {
        this.registry = registry;
        this.isKey = isKey;
        this.autoRegister = autoRegister;
        this.useLatest = useLatest;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.isKey = isKey;
        this.autoRegister = bool(configs, AUTO_REGISTER, true);
        this.useLatest = bool(configs, USE_LATEST, false);
        Object shared = configs.get(CLIENT_INSTANCE);
        if (shared instanceof SchemaRegistryClient c) {
            this.registry = c;
        } else {
            this.registry = new RestSchemaRegistryClient(RegistryClientConfig.from(configs));
            this.ownsRegistry = true;
        }
    }

    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null; // tombstone
        }
        if (registry == null) {
            throw new IllegalStateException("AvroSerializer used before configure()");
        }
        String subject = topic + (isKey ? "-key" : "-value");
        Schema schema = record.getSchema();
        try {
            int id;
            byte[] body;
            if (useLatest) {
                SchemaRegistryClient.RegisteredSchema latest = registry.getLatest(subject);
                id = latest.id();
                // The registry holds plain schemas; the record's may differ only by Java-only properties.
                body = latest.schema().equals(PlainSchema.of(schema)) ? encode(schema, record)
                        : project(encode(schema, record), schema, latest.schema());
            } else {
                id = autoRegister ? registry.register(subject, schema) : registry.lookup(subject, schema);
                body = encode(schema, record);
            }
            return ConfluentWireFormat.frame(id, body);
        } catch (RegistryException e) {
            throw new SerializationException("Cannot serialize " + schema.getFullName() + " to topic '" + topic
                    + "': schema registry call for subject '" + subject + "' failed: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Cannot serialize " + schema.getFullName() + " to topic '" + topic
                    + "': " + e, e);
        }
    }

    @SuppressWarnings("unchecked")
    static byte[] encode(Schema schema, Object record) throws IOException {
        DatumWriter<Object> writer = record instanceof SpecificRecord
                ? new SpecificDatumWriter<>(schema, SpecificData.getForSchema(schema))
                : new GenericDatumWriter<>(schema);
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        writer.write(record, enc);
        enc.flush();
        return out.toByteArray();
    }

    /** Avro schema resolution: re-encode bytes written with {@code from} as a record of schema {@code to}. */
    private static byte[] project(byte[] body, Schema from, Schema to) throws IOException {
        Object asLatest = new GenericDatumReader<>(from, to).read(null, DecoderFactory.get().binaryDecoder(body, null));
        return encode(to, asLatest);
    }

    private static boolean bool(Map<String, ?> configs, String key, boolean dflt) {
        Object v = configs.get(key);
        return v == null ? dflt : Boolean.parseBoolean(v.toString());
    }

    @Override
    public void close() {
        if (ownsRegistry && registry != null) {
            registry.close();
        }
    }
}
