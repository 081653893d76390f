package io.physmaster.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.schemas.DeadLetter;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.GenerationProgress;
import io.physmaster.schemas.GenerationRequest;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.schemas.PreferenceEvent;
import io.physmaster.schemas.PreferencePair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** What the serializer registers is the schema as the .avsc files in src/main/avro define it. */
class PlainSchemaTest {

    static final Path AVRO = Path.of("src/main/avro");

    /** Every generated record whose .avsc stands alone (PreferenceBatch refers to PreferencePair by name). */
    static final List<Schema> STANDALONE = List.of(GenerationRequest.getClassSchema(),
            GenerationProgress.getClassSchema(), GeneratedVideo.getClassSchema(), PreferenceEvent.getClassSchema(),
            PreferencePair.getClassSchema(), EncoderVersion.getClassSchema(), DeadLetter.getClassSchema());

    @Test
    void generatedSchemasCarryJavaOnlyPropertiesThePlainOnesDoNot() {
        for (Schema s : STANDALONE) {
            assertTrue(s.toString().contains(PlainSchema.JAVA_STRING), "precondition: " + s.getName());
            assertFalse(PlainSchema.of(s).toString().contains(PlainSchema.JAVA_STRING), s.getName());
            assertFalse(PlainSchema.text(s).contains(PlainSchema.JAVA_STRING), s.getName());
        }
        Schema batch = PreferenceBatch.getClassSchema();
        assertFalse(PlainSchema.text(batch).contains(PlainSchema.JAVA_STRING));
        assertEquals(PlainSchema.of(batch), new Schema.Parser().parse(PlainSchema.text(batch)));
    }

    @Test
    void theRegisteredTextIsTheAvscFileVerbatim() throws IOException {
        for (Schema s : STANDALONE) {
            String file = Files.readString(AVRO.resolve(s.getName() + ".avsc"));
            assertEquals(file, PlainSchema.text(s), s.getName());
            assertEquals(new Schema.Parser().parse(file), PlainSchema.of(s), s.getName());
        }
    }

    @Test
    void onlyTheJavaPropertyGoesAndSchemasWithoutItAreUntouched() {
        String json = "{\"type\":\"record\",\"name\":\"T\",\"namespace\":\"x\",\"fields\":["
                + "{\"name\":\"s\",\"type\":{\"type\":\"string\",\"avro.java.string\":\"String\",\"keep\":\"me\"}},"
                + "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":{\"type\":\"string\","
                + "\"avro.java.string\":\"String\"},\"avro.java.string\":\"String\"}},"
                + "{\"name\":\"d\",\"type\":{\"type\":\"map\",\"values\":\"string\"},"
                + "\"default\":{\"avro.java.string\":\"a default value is data\"}}]}";
        Schema withProps = new Schema.Parser().parse(json);
        Schema plain = PlainSchema.of(withProps);
        assertFalse(plain.getField("s").schema().toString().contains(PlainSchema.JAVA_STRING));
        assertEquals("me", plain.getField("s").schema().getProp("keep"));
        assertNotNull(plain.getField("m").schema().getValueType());
        assertFalse(plain.getField("m").schema().toString().contains(PlainSchema.JAVA_STRING));
        assertEquals(withProps.getField("d").defaultVal(), plain.getField("d").defaultVal());
        // Not one of ours (no .avsc on the classpath): the plain schema's JSON.
        assertEquals(plain.toString(), PlainSchema.text(withProps));
        Schema none = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"U\",\"fields\":[]}");
        assertSame(none, PlainSchema.of(none));
    }
}
