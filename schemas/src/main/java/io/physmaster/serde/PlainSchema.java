package io.physmaster.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;

/**
 * The schema as the {@code .avsc} file defines it, for the registry. The avro-maven-plugin's generated classes
 * carry {@code avro.java.string} properties (a Java code-generation hint) that the files do not have; a registry
 * keeps them as part of the schema, so a client in another language registering the plain file would get a
 * second version. Apicurio also compares the schema text itself, not its parsed form, so where the schema is one
 * of ours and its file stands alone, the file's own text is what is registered.
 */
public final class PlainSchema {

    /** The Java-only property; nothing else is removed. */
    static final String JAVA_STRING = "avro.java.string";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<Schema, Schema> PLAIN = new ConcurrentHashMap<>();
    private static final Map<Schema, String> TEXT = new ConcurrentHashMap<>();

    /** The schema without {@code avro.java.string} properties (the same schema when it has none). */
    public static Schema of(Schema schema) {
        return PLAIN.computeIfAbsent(schema, s -> {
            String text = s.toString();
            return text.contains(JAVA_STRING) ? new Schema.Parser().parse(stripped(text)) : s;
        });
    }

    /**
     * The text to register for the schema: the bundled {@code .avsc} file's text, verbatim, if the file stands
     * alone and defines exactly this schema (its Java-only properties aside); otherwise the plain schema's JSON.
     */
    public static String text(Schema schema) {
        return TEXT.computeIfAbsent(schema, s -> {
            Schema plain = of(s);
            String file = avscText(plain);
            return file != null && plain.equals(parseOrNull(file)) ? file : plain.toString();
        });
    }

    /** The text of the {@code .avsc} bundled for the named type (io/physmaster/schemas/X.avsc), or null. */
    static String avscText(Schema schema) {
        if (schema.getType() != Schema.Type.RECORD && schema.getType() != Schema.Type.ENUM) {
            return null;
        }
        String resource = "/" + schema.getFullName().replace('.', '/') + ".avsc";
        try (InputStream in = PlainSchema.class.getResourceAsStream(resource)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + resource + " from the classpath", e);
        }
    }

    private static Schema parseOrNull(String text) {
        try {
            return new Schema.Parser().parse(text);
        } catch (AvroRuntimeException e) {
            return null; // e.g. refers to another file's type by name: not registrable on its own
        }
    }

    private static String stripped(String json) {
        try {
            JsonNode tree = JSON.readTree(json);
            strip(tree);
            return JSON.writeValueAsString(tree);
        } catch (IOException e) {
            throw new IllegalArgumentException("Avro wrote a schema that is not JSON", e);
        }
    }

    private static void strip(JsonNode node) {
        if (node instanceof ObjectNode o) {
            o.remove(JAVA_STRING);
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getKey().equals("default")) { // a default value is data, not schema
                    strip(e.getValue());
                }
            }
        } else if (node instanceof ArrayNode a) {
            a.forEach(PlainSchema::strip);
        }
    }

    private PlainSchema() {
    }
}
