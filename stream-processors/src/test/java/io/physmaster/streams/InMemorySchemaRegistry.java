package io.physmaster.streams;

import io.physmaster.serde.RegistryException;
import io.physmaster.serde.SchemaRegistryClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Unit tests only: the registry semantics our serdes need (ids, subjects, latest) kept in memory, so
 * TopologyTestDriver tests run without a server. Integration tests use the real registry.
 */
final class InMemorySchemaRegistry implements SchemaRegistryClient {

    private final List<Schema> byId = new ArrayList<>();
    private final Map<String, List<Integer>> subjects = new HashMap<>();

    @Override
    public synchronized int register(String subject, Schema schema) {
        int id = byId.indexOf(schema);
        if (id < 0) {
            byId.add(schema);
            id = byId.size() - 1;
        }
        List<Integer> versions = subjects.computeIfAbsent(subject, s -> new ArrayList<>());
        if (!versions.contains(id)) {
            versions.add(id);
        }
        return id + 1;
    }

    @Override
    public synchronized Schema getById(int id) {
        if (id < 1 || id > byId.size()) {
            throw new RegistryException("schema " + id + " not found", 404, 40403, null);
        }
        return byId.get(id - 1);
    }

    @Override
    public synchronized RegisteredSchema getLatest(String subject) {
        List<Integer> v = subjects.get(subject);
        if (v == null) {
            throw new RegistryException("subject not found", 404, 40401, null);
        }
        int id = v.get(v.size() - 1);
        return new RegisteredSchema(id + 1, v.size(), byId.get(id));
    }

    @Override
    public synchronized int lookup(String subject, Schema schema) {
        List<Integer> v = subjects.get(subject);
        int id = byId.indexOf(schema);
        if (v == null || id < 0 || !v.contains(id)) {
            throw new RegistryException("schema not found", 404, 40403, null);
        }
        return id + 1;
    }

    @Override
    public boolean testCompatibility(String subject, Schema schema) {
        return true;
    }

    @Override
    public void setCompatibility(String subject, String level) {
    }

    @Override
    public void close() {
    }
}
