package io.physmaster.stack;

import io.physmaster.serde.SchemaRegistryClient;
import io.physmaster.topics.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates every topic in {@link Topics#ALL} with its partitions and configs (existing topics are left alone),
 * and sets their schema compatibility.
 */
public final class TopicProvisioner {

    /** The compatibility every subject of ours gets: a new reader schema must read all earlier data. */
    public static final String COMPATIBILITY = "BACKWARD";

    /** Returns the names it created (empty when all existed). */
    public static List<String> ensureTopics(String bootstrapServers, short replicationFactor)
            throws ExecutionException, InterruptedException {
        return ensureTopics(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), replicationFactor);
    }

    /** The same with a full admin client config (e.g. a secured cluster's). */
    public static List<String> ensureTopics(Map<String, Object> adminConfig, short replicationFactor)
            throws ExecutionException, InterruptedException {
        try (Admin admin = Admin.create(adminConfig)) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (Topics.Topic t : Topics.ALL) {
                if (!existing.contains(t.name())) {
                    missing.add(new NewTopic(t.name(), Optional.of(t.partitions()), Optional.of(replicationFactor))
                            .configs(t.configs()));
                }
            }
            List<String> created = new ArrayList<>();
            for (var e : admin.createTopics(missing).values().entrySet()) {
                try {
                    e.getValue().get();
                    created.add(e.getKey());
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw ex; // a racing creator is fine, anything else is not
                    }
                }
            }
            return created;
        }
    }

    /**
     * Sets {@link #COMPATIBILITY} globally and on every topic's value subject ({@code <topic>-value}; keys are
     * UTF-8 strings, not Avro, so there are no key subjects). The global level alone is enforced, but a
     * registry's {@code GET /config/<subject>} answers only the subject's own level (NONE with Apicurio), so
     * tools and people asking per subject would be told nothing is enforced. Idempotent; returns the subjects.
     */
    public static List<String> ensureCompatibility(SchemaRegistryClient registry) {
        registry.setCompatibility(null, COMPATIBILITY);
        List<String> subjects = new ArrayList<>();
        for (Topics.Topic t : Topics.ALL) {
            String subject = t.name() + "-value";
            registry.setCompatibility(subject, COMPATIBILITY);
            subjects.add(subject);
        }
        return subjects;
    }

    private TopicProvisioner() {
    }
}
