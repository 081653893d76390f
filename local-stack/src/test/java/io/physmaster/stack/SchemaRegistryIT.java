package io.physmaster.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.physmaster.schemas.GenerationRequest;
import io.physmaster.serde.PlainSchema;
import io.physmaster.serde.RegistryClientConfig;
import io.physmaster.serde.RegistryException;
import io.physmaster.serde.RestSchemaRegistryClient;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The real registry: ids, lookups, and BACKWARD compatibility enforced. */
@ExtendWith(LocalStackExtension.class)
class SchemaRegistryIT {

    private static RestSchemaRegistryClient client() {
        return new RestSchemaRegistryClient(RegistryClientConfig.from(
                Map.of(RegistryClientConfig.URL, LocalStackExtension.stack().schemaRegistryUrl())));
    }

    @Test
    void registerThenFetchById() {
        try (var registry = client()) {
            int id = registry.register("it-fetch-value", GenerationRequest.getClassSchema());
            assertEquals(PlainSchema.of(GenerationRequest.getClassSchema()), registry.getById(id));
            assertEquals(id, registry.lookup("it-fetch-value", GenerationRequest.getClassSchema()));
            assertEquals(id, registry.getLatest("it-fetch-value").id());
        }
    }

    @Test
    void backwardCompatibleChangeIsAcceptedAndABreakingOneRejected() {
        String head = "{\"type\":\"record\",\"name\":\"Evolving\",\"namespace\":\"io.physmaster.it\",\"fields\":[";
        String id = "{\"name\":\"id\",\"type\":\"string\"}";
        String note = "{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null}";
        String mustHave = "{\"name\":\"mustHave\",\"type\":\"int\"}";
        Schema v1 = new Schema.Parser().parse(head + id + "]}");
        // New optional field with a default: readers of v2 can read v1 data.
        Schema v2 = new Schema.Parser().parse(head + id + "," + note + "]}");
        // New required field without a default: v3 readers cannot read v2 data.
        Schema v3 = new Schema.Parser().parse(head + id + "," + note + "," + mustHave + "]}");
        try (var registry = client()) {
            registry.register("it-evolving-value", v1);
            registry.register("it-evolving-value", v2);
            assertFalse(registry.testCompatibility("it-evolving-value", v3));
            RegistryException e = assertThrows(RegistryException.class,
                    () -> registry.register("it-evolving-value", v3));
            assertTrue(e.isIncompatible(), "HTTP " + e.httpStatus() + ": " + e.getMessage());
        }
    }

    @Test
    void clientsRegisteringANewSubjectAtOnceAllGetItsId() throws Exception {
        // Two stream threads writing the same changelog register its subject at the same moment; the registry
        // answers one of them 409. Every client must still get the (one) id.
        for (int round = 0; round < 5; round++) {
            String subject = "it-race-" + round + "-value";
            int n = 6;
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(n);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n);
            try {
                java.util.List<java.util.concurrent.Future<Integer>> ids = new java.util.ArrayList<>();
                for (int i = 0; i < n; i++) {
                    ids.add(pool.submit(() -> {
                        try (var registry = client()) {
                            start.await();
                            return registry.register(subject, GenerationRequest.getClassSchema());
                        }
                    }));
                }
                java.util.Set<Integer> distinct = new java.util.HashSet<>();
                for (var f : ids) {
                    distinct.add(f.get()); // a 409 would surface here as an ExecutionException
                }
                assertEquals(1, distinct.size(), "one id for the subject's schema: " + distinct);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void unknownIdIsNotFound() {
        try (var registry = client()) {
            RegistryException e = assertThrows(RegistryException.class, () -> registry.getById(987_654));
            assertTrue(e.isNotFound(), e.getMessage());
        }
    }
}
