package io.physmaster.serde;

import org.apache.avro.Schema;

/** The part of the Confluent Schema Registry REST API our serdes need. */
public interface SchemaRegistryClient extends AutoCloseable {

    /** A schema registered under a subject. */
    record RegisteredSchema(int id, int version, Schema schema) {
    }

    /** Registers (or finds) the schema under the subject and returns its global id. */
    int register(String subject, Schema schema);

    /** The schema with the given global id; throws RegistryException (404) if there is none. */
    Schema getById(int id);

    /** The latest version registered under the subject. */
    RegisteredSchema getLatest(String subject);

    /** Id of the schema if already registered under the subject, without registering it. */
    int lookup(String subject, Schema schema);

    /** Whether the schema is compatible with the subject's latest version under the subject's rule. */
    boolean testCompatibility(String subject, Schema schema);

    /** Sets the compatibility level (BACKWARD, FORWARD, FULL, NONE ...) of a subject, or globally if null. */
    void setCompatibility(String subject, String level);

    @Override
    void close();
}
